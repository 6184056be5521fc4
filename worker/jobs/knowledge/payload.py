"""Row-less jobs (search, embeddings): the request body waits in Redis and is taken exactly once."""

import json

from loguru import logger

from app.kernel.keys import payload_key
from worker.runtime import redis_client


def take_payload(kind: str, job_id: str) -> dict | None:
    raw = redis_client().getdel(payload_key(kind, job_id))
    if raw is None:
        logger.info("{} job {} has no payload (expired or already taken)", kind, job_id)
        return None
    return json.loads(raw)
