"""Route state built on first use, for the apps a test session runs in its own process.

At startup the API builds every route's request handling state (app/route_warmup.py): ~0.4 s of CPU per app,
about 1 s on two shared cores, and the suites start hundreds of apps whose tests reach a few routers each.
In-process apps skip that step, so FastAPI builds a router's state on the first request matched against it, as it
does without the warm-up: the same routes and code, only later. tests/api/test_startup.py opts back in with the
`startup_route_warmup` fixture. Apps in subprocesses (tests/faults, tests/deploy, tests/vllm) always warm up.
"""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from fastapi import FastAPI


def _on_first_request(_app: FastAPI) -> None:
    """Nothing at startup: FastAPI prepares each router's routes when a request first reaches it."""


@contextmanager
def _startup_prepares(prepare: Callable[[FastAPI], None]) -> Iterator[None]:
    import app.main

    previous = app.main.prepare_routes
    app.main.prepare_routes = prepare
    try:
        yield
    finally:
        app.main.prepare_routes = previous


def lazy_route_state() -> AbstractContextManager[None]:
    return _startup_prepares(_on_first_request)


def eager_route_state() -> AbstractContextManager[None]:
    """What the product does: every route prepared in the lifespan, before the first request."""
    from app.route_warmup import prepare_routes

    return _startup_prepares(prepare_routes)
