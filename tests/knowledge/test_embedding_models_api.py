"""GET /embedding-models: the choices the knowledge-base create dialog offers, with each one's defaults."""

from tests.helpers import auth_headers


async def test_lists_the_configured_embedding_models_with_their_defaults(client):
    assert (await client.get("/api/v1/embedding-models")).status_code == 401
    response = await client.get("/api/v1/embedding-models", headers=await auth_headers(client, "alice"))
    assert response.status_code == 200, response.text
    assert response.json() == [
        {
            "id": "all-MiniLM-L6-v2",
            "is_default": True,
            "recommended_mode": "hybrid",
            "default_threshold": 1.87,
            "multilingual": False,
            "ensemble": False,
        },
        {
            "id": "multilingual-e5-small",
            "is_default": False,
            "recommended_mode": "dense",
            "default_threshold": 1.50,
            "multilingual": True,
            "ensemble": False,
        },
        {
            "id": "multilingual-e5-small+all-MiniLM-L6-v2",
            "is_default": False,
            "recommended_mode": "dense",
            "default_threshold": 1.84,
            "multilingual": True,
            "ensemble": True,
        },
    ]
