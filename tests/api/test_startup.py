"""What the API prepares at startup so that its first requests and its event loop are not held up: route state
(app/route_warmup.py) and a frozen startup heap (app.main.freeze_startup_heap)."""

import gc

from fastapi import routing

from tests.helpers import auth_headers


async def test_requests_after_startup_build_no_route_state(startup_route_warmup, client, monkeypatch):
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


async def test_the_startup_heap_is_frozen_while_the_app_runs(client):
    assert (await client.get("/healthz")).status_code == 200
    assert gc.get_freeze_count() > 10_000  # modules, routes, pools: not traversed by full collections


async def test_shutdown_unfreezes_the_heap(settings):
    from app.main import create_app

    application = create_app(settings)
    async with application.router.lifespan_context(application):
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0  # an app started later in this process (tests) is not kept alive frozen
