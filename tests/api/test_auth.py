"""Accounts and tokens against real SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

from jose import jwt

from tests.helpers import PASSWORD, auth_headers, login, register


async def test_register_login_refresh_logout(client):
    first = await register(client, "alice")
    assert first["role"] == "admin", "the first account administers the installation"
    second = await register(client, "bob")
    assert second["role"] == "user"

    tokens = await login(client, "alice")
    me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200 and me.json()["username"] == "alice"

    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    again = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401, "a rotated refresh token cannot be reused"
    family = await client.post("/api/v1/auth/refresh", json={"refresh_token": refreshed.json()["refresh_token"]})
    assert family.status_code == 401, "reusing a rotated token revokes the tokens rotated from it"

    new_pair = await login(client, "alice")
    headers = {"Authorization": f"Bearer {new_pair['access_token']}"}
    out = await client.post("/api/v1/auth/logout", json={"refresh_token": new_pair["refresh_token"]}, headers=headers)
    assert out.status_code == 204
    after = await client.post("/api/v1/auth/refresh", json={"refresh_token": new_pair["refresh_token"]})
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "invalid_refresh_token"


async def test_login_by_email_and_wrong_password(client):
    await register(client, "carol")
    ok = await client.post("/api/v1/auth/login", data={"username": "carol@example.com", "password": PASSWORD})
    assert ok.status_code == 200
    bad = await client.post("/api/v1/auth/login", data={"username": "carol", "password": "wrong-password-1"})
    assert bad.status_code == 401
    assert bad.json()["error"]["message"] == "Incorrect username or password."


def _forge(claims: dict, key: str, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


async def test_bad_tokens_get_401(client, settings):
    user = await register(client, "dave")
    tokens = await login(client, "dave")
    now = datetime.now(UTC)
    base = {"sub": str(user["id"]), "role": "admin", "type": "access", "jti": "x"}
    header_b64 = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"  # {"alg":"none","typ":"JWT"}
    payload_b64 = tokens["access_token"].split(".")[1]
    bad_tokens = {
        "expired": _forge({**base, "exp": now - timedelta(minutes=1)}, settings.secret_key),
        "wrong secret": _forge({**base, "exp": now + timedelta(minutes=5)}, "not-the-secret"),
        "tampered": tokens["access_token"][:-4] + ("AAAA" if not tokens["access_token"].endswith("AAAA") else "BBBB"),
        "alg none": f"{header_b64}.{payload_b64}.",
        "refresh used as access": tokens["refresh_token"],
        "garbage": "not-a-token",
    }
    for label, token in bad_tokens.items():
        response = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, label
        assert response.json()["error"]["code"] == "unauthorized"
    assert (await client.get("/api/v1/users/me")).status_code == 401


async def test_disabled_user_gets_401(client):
    admin = await auth_headers(client, "admin1")
    user = await register(client, "erin")
    tokens = await login(client, "erin")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    disable = await client.patch(f"/api/v1/users/{user['id']}", json={"is_active": False}, headers=admin)
    assert disable.status_code == 200
    assert (await client.get("/api/v1/users/me", headers=headers)).status_code == 401
    relog = await client.post("/api/v1/auth/login", data={"username": "erin", "password": PASSWORD})
    assert relog.status_code == 401


async def test_an_admin_cannot_lock_themselves_out(client):
    admin = await auth_headers(client, "root2")
    me = (await client.get("/api/v1/users/me", headers=admin)).json()
    for change in ({"role": "user"}, {"is_active": False}):
        refused = await client.patch(f"/api/v1/users/{me['id']}", json=change, headers=admin)
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "cannot_lock_out_self", change
    quota = await client.patch(f"/api/v1/users/{me['id']}", json={"daily_token_quota": 500}, headers=admin)
    assert quota.status_code == 200 and quota.json()["role"] == "admin" and quota.json()["is_active"] is True


async def test_admin_only_endpoints(client):
    admin = await auth_headers(client, "root1")
    user = await auth_headers(client, "frank")
    assert (await client.get("/api/v1/users", headers=user)).status_code == 403
    listing = await client.get("/api/v1/users", headers=admin)
    assert listing.status_code == 200 and listing.json()["total"] == 2


async def test_api_key_works_until_revoked(client):
    headers = await auth_headers(client, "gina")
    created = await client.post("/api/v1/users/me/api-keys", json={"name": "script"}, headers=headers)
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("lm_")
    key_headers = {"Authorization": f"Bearer {key}"}
    assert (await client.get("/api/v1/users/me", headers=key_headers)).json()["username"] == "gina"
    listed = (await client.get("/api/v1/users/me/api-keys", headers=headers)).json()
    assert [k["name"] for k in listed] == ["script"] and "key" not in listed[0]
    revoked = await client.delete(f"/api/v1/users/me/api-keys/{created.json()['id']}", headers=headers)
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/users/me", headers=key_headers)).status_code == 401


async def test_change_password_and_profile(client):
    headers = await auth_headers(client, "hank")
    wrong = await client.post(
        "/api/v1/users/me/password",
        json={"current_password": "nope-1234", "new_password": "new-pass-123"},
        headers=headers,
    )
    assert wrong.status_code == 400
    ok = await client.post(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": "new-pass-123"},
        headers=headers,
    )
    assert ok.status_code == 204
    assert (await client.post("/api/v1/auth/login", data={"username": "hank", "password": PASSWORD})).status_code == 401
    assert (await client.get("/api/v1/users/me", headers=headers)).status_code == 401, "old sessions end"
    headers = {"Authorization": f"Bearer {(await login(client, 'hank', 'new-pass-123'))['access_token']}"}
    patched = await client.patch(
        "/api/v1/users/me", json={"display_name": "Hank", "language": "zh-CN"}, headers=headers
    )
    assert patched.json()["display_name"] == "Hank" and patched.json()["language"] == "zh-CN"


async def test_bad_registration_input(client):
    await register(client, "ivan")
    dup_name = await client.post(
        "/api/v1/auth/register", json={"username": "IVAN", "email": "other@example.com", "password": PASSWORD}
    )
    assert dup_name.status_code == 409 and dup_name.json()["error"]["details"]["field"] == "username"
    dup_mail = await client.post(
        "/api/v1/auth/register", json={"username": "ivan2", "email": "ivan@example.com", "password": PASSWORD}
    )
    assert dup_mail.status_code == 409 and dup_mail.json()["error"]["details"]["field"] == "email"
    weak = await client.post(
        "/api/v1/auth/register", json={"username": "jo", "email": "j@example.com", "password": "abc"}
    )
    assert weak.status_code == 422
    fields = {d["field"] for d in weak.json()["error"]["details"]}
    assert {"username", "password"} <= fields
    assert "at least one letter and one digit" in weak.json()["error"]["message"]
    too_long = await client.post(
        "/api/v1/auth/register", json={"username": "jon", "email": "jon@example.com", "password": "a1" * 100}
    )
    assert too_long.status_code == 422
    missing = await client.post("/api/v1/auth/register", json={"username": "kim"})
    assert {d["field"] for d in missing.json()["error"]["details"]} >= {"email", "password"}
    extra = await client.post(
        "/api/v1/auth/register",
        json={"username": "kim", "email": "kim@example.com", "password": PASSWORD, "role": "admin"},
    )
    assert extra.status_code == 422 and extra.json()["error"]["details"][0]["field"] == "role"
