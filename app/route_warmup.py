"""Build every route's request handling state at startup instead of on the first request that reaches it.

FastAPI (0.165) prepares an included router's routes (dependency trees, pydantic validators and serialisers)
lazily, all of a router's routes at once, on the first request matched against it, on the event loop while the
requests behind it wait: a fresh API process's first requests took 35–55 ms instead of 5–10 (py-spy: most of
it there), and the first seconds of a load run hundreds of milliseconds (RELIABILITY.md, Load).
"""

from fastapi import FastAPI


def prepare_routes(app: FastAPI) -> None:
    """Prepares the routes of every included router, nested ones too."""
    pending = list(app.router.routes)
    while pending:
        route = pending.pop()
        if not hasattr(route, "effective_candidates"):  # a plain route: prepared when it is added
            continue
        route.effective_low_priority_routes()
        pending.extend(route.effective_candidates())
