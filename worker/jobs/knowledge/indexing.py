"""One document's indexing run: claim it, parse/split/embed through `worker.rag`, record the outcome, publish.

The lease exists before the claim and until the outcome is committed, so the API never sees a document in
`parsing`/`embedding` without a live worker behind it; when a worker dies the lease expires and the API fails
the document (`app.services.knowledge.check_document`). A duplicate delivery finds the lease taken or nothing
queued, and skips without touching the running job's lease.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from loguru import logger

from app.kernel.contracts import EventType, JobKind
from app.kernel.documents import DocumentError
from app.kernel.events import EventPublisher
from app.kernel.models import Document, KnowledgeBase
from app.kernel.schemas.knowledge import DocumentPublic
from app.kernel.settings import get_settings
from app.kernel.states import document as document_state
from app.kernel.states.document import DocumentStatus
from worker.rag.index import KnowledgeIndex
from worker.rag.pipeline import IndexResult, drop_index, index_dir, index_document, open_index
from worker.runtime import JobLease, db_sessions, publisher, redis_client

PROGRESS_INTERVAL_SECONDS = 0.5


class Cancelled(Exception):
    """The document was deleted while it was being indexed."""


@dataclass(frozen=True)
class IndexJob:
    document_id: int
    knowledge_base_id: int
    embedding_model: str
    filename: str
    path: Path


def claim(document_id: int) -> IndexJob | None:
    """queued → parsing exactly once; None when the document is gone or not queued."""
    with db_sessions()() as session:
        result = session.execute(
            document_state.move(document_id, DocumentStatus.PARSING, sources=[DocumentStatus.QUEUED], error=None)
        )
        session.commit()
        if result.rowcount != 1:
            return None
        document = session.get(Document, document_id)
        kb = session.get(KnowledgeBase, document.knowledge_base_id)
        path = get_settings().uploads_dir / document.stored_name
        return IndexJob(document_id, kb.id, kb.embedding_model, document.filename, path)


def _set_status(document_id: int, status: DocumentStatus) -> None:
    """The next stage of a document being indexed (never one that was failed or deleted meanwhile)."""
    sources = [active for active in document_state.ACTIVE if document_state.LIFECYCLE.allows(active, status)]
    with db_sessions()() as session:
        session.execute(document_state.move(document_id, status, sources=sources))
        session.commit()


class ProgressReporter:
    """The `progress(stage, done, total)` callback: one DB write per stage, `progress` events throttled."""

    def __init__(self, events: EventPublisher, document_id: int):
        self._events = events
        self._document_id = document_id
        self._stage = "parsing"
        self._last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._events.cancelled():
            raise Cancelled
        if stage != self._stage:
            self._stage = stage
            _set_status(self._document_id, DocumentStatus(stage))
            self._events.publish(EventType.STATUS, {"state": stage})
        now = time.monotonic()
        if done in (0, total) or now - self._last >= PROGRESS_INTERVAL_SECONDS:
            self._last = now
            self._events.publish(EventType.PROGRESS, {"stage": stage, "done": done, "total": total})


def run_index_job(document_id: int) -> str:
    """Entry point of the `indexing.index_document` task; returns the outcome."""
    events = publisher(JobKind.DOCUMENT, document_id)
    lease = JobLease(redis_client(), JobKind.DOCUMENT, document_id)
    if not lease.acquire():
        logger.info("document {} is being indexed by another job; skipping", document_id)
        return "skipped"
    try:
        job = claim(document_id)
        if job is None:
            logger.info("document {} is not queued; not indexing it", document_id)
            return "skipped"
        return _run(events, job)
    finally:
        lease.release()


def _run(events: EventPublisher, job: IndexJob) -> str:
    events.publish(EventType.STATUS, {"state": "parsing"})
    try:
        if not job.path.is_file():
            raise DocumentError("file_missing", f"The uploaded file of {job.filename} is missing; upload it again.")
        index = open_index(job.knowledge_base_id, job.embedding_model)
        progress = ProgressReporter(events, job.document_id)
        result = index_document(index, job.document_id, job.path, job.filename, progress)
    except Cancelled:
        logger.info("document {} was deleted while being indexed", job.document_id)
        return "cancelled"
    except DocumentError as exc:
        return _fail(events, job, exc.code, exc.message)
    except SoftTimeLimitExceeded as exc:  # the task's time limit (worker/ops/time_limits.py)
        return _fail(events, job, "time_limit", f"Indexing {job.filename} stopped: it {exc}.")
    except Exception as exc:  # noqa: BLE001 - record why, keep the worker alive
        logger.opt(exception=exc).error("indexing document {} failed", job.document_id)
        return _fail(events, job, "indexing_failed", f"Indexing {job.filename} failed: {exc}")
    return _finish(events, job, index, result)


def _finish(events: EventPublisher, job: IndexJob, index: KnowledgeIndex, result: IndexResult) -> str:
    values = {
        "kind": result.kind,
        "pages": result.pages,
        "chunks": result.chunks,
        "indexed_at": datetime.now(UTC),
        "error": None,
    }
    with db_sessions()() as session:
        finished = document_state.move(job.document_id, DocumentStatus.INDEXED, sources=document_state.ACTIVE, **values)
        stored = session.execute(finished).rowcount == 1
        session.commit()
        if not stored:
            kb_exists = session.get(KnowledgeBase, job.knowledge_base_id) is not None
            public = None
        else:
            public = DocumentPublic.model_validate(session.get(Document, job.document_id)).model_dump(mode="json")
    if public is None:
        _discard(job, index, kb_exists)
        return "discarded"
    events.publish(EventType.DONE, {"document": public})
    return "indexed"


def _discard(job: IndexJob, index: KnowledgeIndex, kb_exists: bool) -> None:
    """The document was deleted (or declared lost) while it was stored: take its chunks out again."""
    logger.info("document {} changed while indexed; removing its chunks", job.document_id)
    if kb_exists:
        index.delete_document(job.document_id)
    else:
        drop_index(job.knowledge_base_id)


def _fail(events: EventPublisher, job: IndexJob, code: str, message: str) -> str:
    """Failed documents are not searchable: chunks of an earlier successful run are removed."""
    with db_sessions()() as session:
        session.execute(
            document_state.move(job.document_id, DocumentStatus.FAILED, sources=document_state.ACTIVE, error=message)
        )
        session.commit()
    if index_dir(job.knowledge_base_id).exists():
        try:
            open_index(job.knowledge_base_id, job.embedding_model).delete_document(job.document_id)
        except Exception as exc:  # noqa: BLE001 - the document is failed either way
            logger.warning("could not remove chunks of failed document {}: {}", job.document_id, exc)
    events.publish(EventType.ERROR, {"code": code, "message": message})
    return "failed"
