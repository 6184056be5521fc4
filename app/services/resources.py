"""What the machines report: host CPU/memory/disk, worker reports from Redis, queue depths."""

import json
import shutil
from pathlib import Path
from typing import Any

import psutil
import redis.asyncio as aioredis

from app.kernel.contracts import QUEUES
from app.kernel.keys import celery_queue_key, report_prefix


async def worker_reports(redis: aioredis.Redis) -> list[dict[str, Any]]:
    """Live generation workers (their report has not expired), by name."""
    reports = []
    prefix = report_prefix()
    async for key in redis.scan_iter(f"{prefix}*", count=100):
        raw = await redis.hgetall(key)
        if not raw:
            continue
        reports.append(
            {
                "worker": key.removeprefix(prefix),
                "models": json.loads(raw.get("models", "[]")),
                "gpus": json.loads(raw.get("gpus", "[]")),
                "last_error": json.loads(raw["last_error"]) if raw.get("last_error") else None,
                "updated_at": float(raw.get("updated_at", 0)),
            }
        )
    return sorted(reports, key=lambda r: r["worker"])


async def queue_depths(redis: aioredis.Redis) -> dict[str, int]:
    """Tasks waiting per Celery queue: the Redis transport keeps each queue as a list (under the namespace)."""
    async with redis.pipeline(transaction=False) as pipe:
        for queue in QUEUES:
            pipe.llen(celery_queue_key(queue))
        lengths = await pipe.execute()
    return dict(zip(QUEUES, (int(n) for n in lengths), strict=True))


def host_stats(store_dir: Path) -> dict[str, Any]:
    """This API host's CPU and memory, and the disk holding the model store (blocking; call off the loop)."""
    memory = psutil.virtual_memory()
    disk = shutil.disk_usage(store_dir if store_dir.exists() else store_dir.parent)
    return {
        "cpu": {"percent": psutil.cpu_percent(interval=0.1), "count": psutil.cpu_count()},
        "memory": {
            "total_bytes": memory.total,
            "used_bytes": memory.total - memory.available,
            "percent": memory.percent,
        },
        "disk": {
            "path": str(store_dir),
            "total_bytes": disk.total,
            "used_bytes": disk.used,
            "free_bytes": disk.free,
            "percent": round(100 * disk.used / disk.total, 1) if disk.total else 0.0,
        },
    }
