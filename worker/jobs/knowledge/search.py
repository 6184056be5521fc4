"""A knowledge-base search requested over HTTP: the request waits in Redis, the hits go out as a `done` event."""

from loguru import logger

from app.kernel.contracts import EventType, JobKind
from worker.jobs.knowledge.hits import live_hits
from worker.jobs.knowledge.payload import take_payload
from worker.runtime import publisher


def run_search_job(job_id: str) -> str:
    request = take_payload(JobKind.SEARCH, job_id)
    if request is None:
        return "skipped"
    events = publisher(JobKind.SEARCH, job_id)
    try:
        found = live_hits(
            request["knowledge_base_id"], request["embedding_model"], request["query"], request["mode"], request["k"]
        )
    except Exception as exc:  # noqa: BLE001 - report, keep the worker alive
        logger.opt(exception=exc).error("search {} failed", job_id)
        events.publish(EventType.ERROR, {"code": "search_failed", "message": f"Search failed: {exc}"})
        return "failed"
    hits = [
        {
            "score": hit.score,
            "similarity": hit.similarity,
            "document_id": hit.document_id,
            "filename": filename,
            "page": hit.page,
            "heading": hit.heading,
            "text": hit.text,
        }
        for hit, filename in found
    ]
    events.publish(EventType.DONE, {"hits": hits})
    return "done"
