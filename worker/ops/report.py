"""What a generation worker tells the API about itself: loaded models and GPUs, in a Redis hash with a TTL."""

import json
import os
import time
from dataclasses import asdict

import redis

from app.kernel.keys import REPORT_TTL_SECONDS, report_key
from worker.engine.cache import LoadedModelInfo
from worker.ops.gpu import gpu_stats


def build_report(infos: list[LoadedModelInfo]) -> dict[str, str]:
    models = [asdict(info) for info in infos]
    return {
        "models": json.dumps(models),
        "gpus": json.dumps(gpu_stats()),
        "pid": str(os.getpid()),
        "updated_at": str(time.time()),
    }


def publish_report(client: redis.Redis, hostname: str, report: dict[str, str]) -> None:
    key = report_key(hostname)
    with client.pipeline() as pipe:
        pipe.delete(key)
        pipe.hset(key, mapping=report)
        pipe.expire(key, REPORT_TTL_SECONDS)
        pipe.execute()


def withdraw_report(client: redis.Redis, hostname: str) -> None:
    client.delete(report_key(hostname))
