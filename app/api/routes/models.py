"""Model catalogue and administration: list with presence and placement, add, load/unload, pull."""

from typing import Annotated, Any, Literal

import anyio
import redis.asyncio as aioredis
from fastapi import APIRouter, Body, Request, status
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import AdminUser, CurrentUser, LastEventSeq, RedisDep, SessionDep, SettingsDep
from app.api.route_options import accepted
from app.core.admission import Kind, admit
from app.core.errors import not_found
from app.events.relay import SSE_DOC, JobEventStream, sse_response
from app.kernel.contracts import JobKind
from app.kernel.registry.spec import ModelSpec
from app.services import model_admin
from app.services.model_entries import sync_entries
from app.services.resources import worker_reports

router = APIRouter(prefix="/models", tags=["models"])


class ModelPublic(BaseModel):
    id: str
    display_name: str
    backend: str
    source: str | None
    quantization: str
    present: bool
    runnable: bool = Field(description="A chat on it can start now (weights on disk and loadable, or remote)")
    unavailable_reason: str | None = Field(description="Why it cannot run, for an administrator to act on")
    is_default: bool = Field(description="The server's DEFAULT_MODEL: new conversations start on it")
    context_length: int | None
    generation: dict[str, Any] = Field(description="The entry's default sampling (temperature, top_p, ...)")
    size_bytes: int
    loaded_on: list[str]
    memory_bytes: int
    is_adapter: bool
    base: str | None


class PullRequest(BaseModel):
    model_id: str


class PullStarted(BaseModel):
    job_id: str = Field(description="Follow it at /models/pull/{job_id}/events")


class ModelAction(BaseModel):
    model_id: str
    action: Literal["load", "unload"]
    workers: int = Field(description="How many generation workers received the command (0: none is running)")


@router.get("", response_model=list[ModelPublic])
async def list_models(user: CurrentUser, session: SessionDep, redis: RedisDep, settings: SettingsDep):
    """Every servable model: on disk or not, and which generation workers hold it in memory."""
    await sync_entries(session)
    reports = await worker_reports(redis)
    return await anyio.to_thread.run_sync(
        model_admin.list_models, reports, settings.models_dir, settings.adapters_dir, user, settings.default_model
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ModelSpec, dependencies=[admit(Kind.FREE)])
async def add_model(
    spec: Annotated[dict[str, Any], Body(examples=[{"id": "my-model", "source": "dir:/models/my-model"}])],
    admin: AdminUser,
    session: SessionDep,
    redis: RedisDep,
):
    """Add a registry entry (the fields of app/kernel/registry/spec.py ModelSpec); workers pick it up at once."""
    added = await model_admin.add_entry(session, redis, model_admin.validate_spec(spec), admin)
    return added.model_dump(mode="json")


@router.post("/pull", **accepted(PullStarted))
async def pull_model(body: PullRequest, request: Request, _admin: AdminUser, session: SessionDep, redis: RedisDep):
    """Download / convert a model into the store on a generation worker; follow it on the events URL."""
    await model_admin.require_model(session, body.model_id, adapters=False)
    return {"job_id": await model_admin.start_pull(redis, request.app.state.tasks, body.model_id)}


@router.get("/pull/{job_id}/events", responses=SSE_DOC)
async def pull_events(
    job_id: str,
    _admin: AdminUser,
    redis: RedisDep,
    settings: SettingsDep,
    after: LastEventSeq,
):
    """`status`, `progress` {stage, fraction}, then `done` {model_id, path} or `error`; resumable."""
    if not await model_admin.pull_exists(redis, job_id):
        raise not_found("Pull job")
    stream = await JobEventStream(redis, JobKind.PULL, job_id).open()
    return sse_response(stream.events(after), settings.sse_heartbeat_seconds)


async def _command_workers(session: AsyncSession, redis: aioredis.Redis, model_id: str, action: str) -> dict[str, Any]:
    await model_admin.require_model(session, model_id)
    return {"model_id": model_id, "action": action, "workers": await model_admin.broadcast(redis, action, model_id)}


@router.post("/{model_id}/load", **accepted(ModelAction))
async def load_model(model_id: str, _admin: AdminUser, session: SessionDep, redis: RedisDep):
    """Ask every generation worker to load the model now; `loaded_on` in the list shows when it is done."""
    return await _command_workers(session, redis, model_id, "load")


@router.post("/{model_id}/unload", **accepted(ModelAction))
async def unload_model(model_id: str, _admin: AdminUser, session: SessionDep, redis: RedisDep):
    """Ask every generation worker to free the model's memory."""
    return await _command_workers(session, redis, model_id, "unload")
