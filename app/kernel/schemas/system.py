"""Response bodies of the probes, /system/resources and /users/me/quota."""

from typing import Any

from pydantic import BaseModel


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]
    workers: dict[str, int]
    models_loaded: list[str]


class CpuStats(BaseModel):
    percent: float
    count: int | None


class MemoryStats(BaseModel):
    total_bytes: int
    used_bytes: int
    percent: float


class DiskStats(BaseModel):
    total_bytes: int
    used_bytes: int
    free_bytes: int
    percent: float
    path: str | None = None
    """Administrators only."""


class SystemResources(BaseModel):
    cpu: CpuStats
    memory: MemoryStats
    disk: DiskStats
    gpus: list[dict[str, Any]]
    models_loaded: list[str]
    queues: dict[str, int]
    active_streams: int
    workers: list[dict[str, Any]] | None = None
    """Administrators only: per-worker detail (names, models with memory, GPUs, last control error)."""


class QuotaUsage(BaseModel):
    day: str
    prompt_tokens: int
    completion_tokens: int
    used: int
    limit: int | None
    remaining: int | None
    resets_at: str
