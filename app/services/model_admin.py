"""Model management for the API: the catalogue with presence and placement, admin entries, control, pulls.

The API never imports torch: presence comes from `worker.engine.store` (file system only) and placement from
the reports generation workers keep in Redis (`workers:models:<hostname>`).
"""

import json
import uuid
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from pydantic import ValidationError
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import QUEUE_ERRORS, AppError, queue_unavailable
from app.core.tasks import dispatch
from app.kernel.contracts import JobKind
from app.kernel.keys import REPLAY_TTL_SECONDS, control_channel, payload_key
from app.kernel.models import ModelEntry, User
from app.kernel.registry.errors import UnknownModelError
from app.kernel.registry.model_files import ModelInfo, describe_models, dir_size
from app.kernel.registry.registry import get_registry
from app.kernel.registry.spec import ModelSpec
from app.kernel.tasks import PullModel
from app.services.adapters import trained_adapters
from app.services.model_entries import lookup_fresh


async def require_model(session: AsyncSession, model_id: str, adapters: bool = True) -> str:
    """404 naming the available ids when `model_id` (or its adapter) is unknown, also to the stored entries."""
    registry = get_registry()
    try:
        await lookup_fresh(session, lambda: registry.resolve(model_id) if adapters else registry.get(model_id))
    except UnknownModelError as exc:
        raise AppError(404, "model_not_found", str(exc), {"available": get_registry().ids()}) from exc
    return model_id


def _placement(reports: list[dict[str, Any]]) -> dict[str, list[tuple[str, dict]]]:
    """base model id → [(worker, reported model)] for every worker that has it in memory."""
    placed: dict[str, list[tuple[str, dict]]] = {}
    for report in reports:
        for model in report["models"]:
            placed.setdefault(model["model_id"], []).append((report["worker"], model))
    return placed


def list_models(
    reports: list[dict[str, Any]], models_dir: Path, adapters_dir: Path, user: User, default_model: str
) -> list[dict[str, Any]]:
    """Blocking (walks the model store): call off the event loop."""
    placed = _placement(reports)
    specs = {spec.id: spec for spec in get_registry().specs()}
    items = []
    for info in describe_models(models_dir=models_dir):
        on = placed.get(info.id, [])
        spec = specs[info.id]
        reason = unavailable_reason(spec, info)
        items.append(
            {
                "id": info.id,
                "display_name": info.display_name or info.id,
                "backend": info.backend,
                "source": info.source,
                "quantization": spec.quantization,
                "present": info.present,
                "runnable": reason is None,
                "unavailable_reason": reason,
                "is_default": info.id == default_model,
                "context_length": spec.context_length,
                "generation": spec.generation,
                "size_bytes": info.size_bytes,
                "loaded_on": [worker for worker, _ in on],
                "memory_bytes": max((model["memory_bytes"] for _, model in on), default=0),
                "is_adapter": False,
                "base": None,
            }
        )
    for adapter in trained_adapters(adapters_dir):
        if not adapter.usable_by(user):
            continue
        base, name, path = adapter.base, adapter.name, adapter.path
        on = [worker for worker, model in placed.get(base, []) if name in model.get("adapters", [])]
        items.append(
            {
                "id": adapter.model_id,
                "display_name": f"{specs[base].display_name or base} + {name}",
                "backend": specs[base].backend,
                "source": f"dir:{path}",
                "quantization": specs[base].quantization,
                "present": True,
                "runnable": True,
                "unavailable_reason": None,
                "is_default": False,
                "context_length": specs[base].context_length,
                "generation": specs[base].generation,
                "size_bytes": dir_size(path),
                "loaded_on": on,
                "memory_bytes": 0,
                "is_adapter": True,
                "base": base,
            }
        )
    return items


def unavailable_reason(spec: ModelSpec, info: ModelInfo) -> str | None:
    """Why a chat on this model would fail now, in words an administrator can act on; None when it can run."""
    if spec.backend == "openai":
        return None
    if spec.local_dir is not None and not info.present:
        return f"The directory {spec.local_dir} does not exist on the server."
    if not info.present:
        return f"Not downloaded yet: pull it (Models page, or `python -m app.cli models pull {spec.id}`)."
    if not info.loadable:
        return f"{info.path} has no config.json with .safetensors/.bin weights."
    return None


def validate_spec(data: dict[str, Any]) -> ModelSpec:
    try:
        return ModelSpec(**data)
    except ValidationError as exc:
        details = [{"field": ".".join(map(str, e["loc"])) or "body", "message": e["msg"]} for e in exc.errors()]
        raise AppError(
            422, "validation_error", f"Invalid model spec: {details[0]['field']}: {details[0]['message']}", details
        ) from exc
    except ValueError as exc:
        raise AppError(422, "validation_error", f"Invalid model spec: {exc}") from exc


async def add_entry(session: AsyncSession, redis: aioredis.Redis, spec: ModelSpec, user: User) -> ModelSpec:
    """Store an admin entry, add it to this process's registry and tell the workers to re-read theirs."""
    if await session.get(ModelEntry, spec.id) is not None:
        raise AppError(409, "model_exists", f"A model entry {spec.id!r} was already added.")
    session.add(ModelEntry(id=spec.id, spec=spec.model_dump(mode="json"), created_by=user.id))
    await session.commit()
    get_registry().add(spec)
    await broadcast(redis, "sync")
    return spec


async def broadcast(redis: aioredis.Redis, action: str, model_id: str | None = None) -> int:
    """Publish a control command to every generation worker; returns how many listeners received it."""
    try:
        return int(await redis.publish(control_channel(), json.dumps({"action": action, "model_id": model_id})))
    except RedisError as exc:
        raise queue_unavailable() from exc


async def start_pull(redis: aioredis.Redis, tasks, model_id: str) -> str:
    """Queue a pull on the generation queue; its events stream at /models/pull/{job_id}/events."""
    job_id = uuid.uuid4().hex
    try:
        await redis.set(payload_key(JobKind.PULL, job_id), model_id, ex=REPLAY_TTL_SECONDS)
        await dispatch(tasks, PullModel(job_id=job_id, model_id=model_id))
    except QUEUE_ERRORS as exc:
        raise queue_unavailable() from exc
    return job_id


async def pull_exists(redis: aioredis.Redis, job_id: str) -> bool:
    return bool(await redis.exists(payload_key(JobKind.PULL, job_id)))
