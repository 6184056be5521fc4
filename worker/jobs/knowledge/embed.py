"""An OpenAI-compatible embeddings request: normalized vectors from a sentence-transformers model."""

from loguru import logger

from app.kernel.contracts import EventType, JobKind
from app.kernel.registry.embeddings import embedding_model_problem
from worker.jobs.knowledge.payload import take_payload
from worker.rag.embedder import get_embedder
from worker.runtime import publisher


def run_embed_job(job_id: str) -> str:
    request = take_payload(JobKind.EMBEDDING, job_id)
    if request is None:
        return "skipped"
    events = publisher(JobKind.EMBEDDING, job_id)
    if problem := embedding_model_problem(request["model"]):  # the API checks too; never load a path
        events.publish(EventType.ERROR, {"code": "unknown_model", "message": problem})
        return "failed"
    try:
        embedder = get_embedder(request["model"])
    except Exception as exc:  # noqa: BLE001 - any load failure means the name is not a usable model
        logger.warning("embedding model {!r} cannot be loaded: {}", request["model"], exc)
        message = f"Embedding model '{request['model']}' is not available."
        events.publish(EventType.ERROR, {"code": "unknown_model", "message": message})
        return "failed"
    try:
        vectors = embedder.encode(request["texts"])
        tokens = sum(embedder.count_tokens(text) for text in request["texts"])
    except Exception as exc:  # noqa: BLE001 - report, keep the worker alive
        logger.opt(exception=exc).error("embedding {} failed", job_id)
        events.publish(EventType.ERROR, {"code": "embedding_failed", "message": f"Embedding failed: {exc}"})
        return "failed"
    events.publish(EventType.DONE, {"embeddings": vectors.tolist(), "prompt_tokens": tokens})
    return "done"
