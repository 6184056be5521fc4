"""Route state is built when the API starts (app/route_warmup.py), not by the first requests that reach a router."""

from fastapi import routing

from tests.helpers import auth_headers


async def test_requests_after_startup_build_no_route_state(client, monkeypatch):
    built = []
    original = routing._EffectiveRouteContext.from_api_route

    def counted(*args, **kwargs):
        built.append(kwargs.get("original_route"))
        return original(*args, **kwargs)

    monkeypatch.setattr(routing._EffectiveRouteContext, "from_api_route", counted)
    headers = await auth_headers(client, "alice")
    for path in ("/api/v1/conversations", "/api/v1/knowledge-bases", "/api/v1/models", "/v1/models", "/healthz"):
        response = await client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)
    assert built == []  # without the warm-up: every route of each router reached, on its first request
