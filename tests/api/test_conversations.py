"""Conversations: CRUD, search, pagination and ownership, on SQLite and PostgreSQL."""

from tests.helpers import auth_headers


async def _create(client, headers, **body):
    response = await client.post("/api/v1/conversations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_crud_and_settings(client, settings):
    headers = await auth_headers(client, "alice")
    created = await _create(client, headers, title="Trip", system_prompt="Be brief.", temperature=0.3, max_tokens=64)
    assert created["model"] == settings.default_model
    assert created["system_prompt"] == "Be brief." and created["temperature"] == 0.3

    renamed = await client.patch(
        f"/api/v1/conversations/{created['id']}", json={"title": "Paris trip"}, headers=headers
    )
    assert renamed.json()["title"] == "Paris trip"
    detail = await client.get(f"/api/v1/conversations/{created['id']}", headers=headers)
    assert detail.status_code == 200 and detail.json()["messages"] == []

    assert (await client.delete(f"/api/v1/conversations/{created['id']}", headers=headers)).status_code == 204
    assert (await client.get(f"/api/v1/conversations/{created['id']}", headers=headers)).status_code == 404


async def test_list_newest_first_paginated_and_search(client, app):
    from app.kernel.models import Message

    headers = await auth_headers(client, "bob")
    ids = [(await _create(client, headers, title=f"chat {i}"))["id"] for i in range(5)]
    page = (await client.get("/api/v1/conversations?limit=2", headers=headers)).json()
    assert page["total"] == 5 and [c["id"] for c in page["items"]] == ids[::-1][:2]
    page2 = (await client.get("/api/v1/conversations?limit=2&offset=2", headers=headers)).json()
    assert [c["id"] for c in page2["items"]] == ids[::-1][2:4]

    async with app.state.sessionmaker() as session:
        me = (await client.get("/api/v1/users/me", headers=headers)).json()
        session.add(Message(conversation_id=ids[1], owner_id=me["id"], role="user", content="Where is the Louvre?"))
        await session.commit()
    by_text = (await client.get("/api/v1/conversations?q=louvre", headers=headers)).json()
    assert [c["id"] for c in by_text["items"]] == [ids[1]]
    by_title = (await client.get("/api/v1/conversations?q=CHAT 3", headers=headers)).json()
    assert [c["id"] for c in by_title["items"]] == [ids[3]]


async def test_other_users_conversation_is_404_and_unchanged(client):
    alice = await auth_headers(client, "alice")
    bob = await auth_headers(client, "bob")
    conv = await _create(client, alice, title="secret")
    url = f"/api/v1/conversations/{conv['id']}"
    assert (await client.get(url, headers=bob)).status_code == 404
    assert (await client.patch(url, json={"title": "pwned"}, headers=bob)).status_code == 404
    assert (await client.delete(url, headers=bob)).status_code == 404
    assert (await client.get("/api/v1/conversations", headers=bob)).json()["total"] == 0
    assert (await client.get("/api/v1/conversations?q=secret", headers=bob)).json()["total"] == 0
    unchanged = (await client.get(url, headers=alice)).json()
    assert unchanged["title"] == "secret"


async def test_bad_conversation_input(client):
    headers = await auth_headers(client, "carl")
    bad = await client.post("/api/v1/conversations", json={"temperature": 9, "colour": "red"}, headers=headers)
    assert bad.status_code == 422
    fields = {d["field"] for d in bad.json()["error"]["details"]}
    assert fields == {"temperature", "colour"}
    assert (await client.get("/api/v1/conversations?limit=1000", headers=headers)).status_code == 422


async def test_conversation_references_are_checked(client):
    headers = await auth_headers(client, "dana")
    bad_model = await client.post("/api/v1/conversations", json={"model": "gpt-99"}, headers=headers)
    assert bad_model.status_code == 422 and bad_model.json()["error"]["code"] == "unknown_model"
    bad_kb = await client.post("/api/v1/conversations", json={"knowledge_base_ids": [12345]}, headers=headers)
    assert bad_kb.status_code == 422 and bad_kb.json()["error"]["details"]["missing"] == [12345]
    conv = await _create(client, headers, title="keep me")
    nulls = await client.patch(f"/api/v1/conversations/{conv['id']}", json={"title": None}, headers=headers)
    assert nulls.status_code == 200 and nulls.json()["title"] == "keep me"
