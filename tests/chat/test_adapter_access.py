"""A fine-tuned adapter is a model choice for the user who trained it (and admins), nobody else."""

import json

from tests.chat.conftest import TINY_MODEL, sign_up


def _place_adapter(settings, name: str, owner_id: int | None) -> str:
    path = settings.model_store_dir / "adapters" / name
    path.mkdir(parents=True)
    (path / "adapter_config.json").write_text("{}")
    (path / "localmind_adapter.json").write_text(json.dumps({"base_model_id": TINY_MODEL, "owner_id": owner_id}))
    return f"{TINY_MODEL}+{name}"


def test_adapters_are_private_to_their_owner(http, chat_settings):
    admin = sign_up(http, "root")
    alice = sign_up(http, "alice")
    bob = sign_up(http, "bob")
    alice_id = http.get("/api/v1/users/me", headers=alice).json()["id"]
    private = _place_adapter(chat_settings, "ft-1", alice_id)
    shared = _place_adapter(chat_settings, "house-style", None)

    assert http.post("/api/v1/conversations", json={"model": private}, headers=alice).status_code == 201
    refused = http.post("/api/v1/conversations", json={"model": private}, headers=bob)
    assert refused.status_code == 422 and private not in refused.json()["error"]["details"]["available"]
    assert http.post("/api/v1/conversations", json={"model": shared}, headers=bob).status_code == 201

    def listed(headers):
        return {m["id"] for m in http.get("/v1/models", headers=headers).json()["data"]}

    assert private in listed(alice) and private in listed(admin) and private not in listed(bob)
    assert private not in {m["id"] for m in http.get("/api/v1/models", headers=bob).json()}
