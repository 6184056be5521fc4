from fastapi import APIRouter, Request
from sqlalchemy import text

from app.core.errors import error_response

router = APIRouter(tags=["system"])


@router.get("/healthz")
async def healthz():
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request):
    """The database and Redis answer; 503 naming what is down otherwise."""
    checks: dict[str, str] = {}
    try:
        async with request.app.state.sessionmaker() as session:
            await session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"unavailable: {type(exc).__name__}"
    try:
        await request.app.state.redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = f"unavailable: {type(exc).__name__}"
    if all(v == "ok" for v in checks.values()):
        return {"status": "ready", "checks": checks}
    down = ", ".join(k for k, v in checks.items() if v != "ok")
    return error_response(503, "not_ready", f"Not ready: {down} unavailable.", checks)
