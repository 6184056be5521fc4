"""Small helpers the API tests share."""

import httpx

PASSWORD = "correct-horse-42"


async def register(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict:
    response = await client.post(
        "/api/v1/auth/register", json={"username": username, "email": f"{username}@example.com", "password": password}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict:
    response = await client.post("/api/v1/auth/login", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


async def auth_headers(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    await register(client, username)
    tokens = await login(client, username)
    return {"Authorization": f"Bearer {tokens['access_token']}"}
