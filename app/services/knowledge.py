"""Knowledge bases and their documents: CRUD, streamed uploads, indexing jobs, search, stuck-job checks.

Every query filters by owner, so another user's objects answer 404. The API never parses documents: it
streams uploads to disk, sniffs their type cheaply (`worker.rag.loaders` imports no torch) and hands the
rest to the indexing workers by id.
"""

import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import redis.asyncio as aioredis
from fastapi import FastAPI, Request
from loguru import logger
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import QUEUE_ERRORS, AppError, queue_unavailable
from app.core.tasks import dispatch
from app.events.ephemeral import job_events, start_job
from app.events.relay import JobEventStream
from app.kernel.contracts import (
    QUEUE_INDEXING,
    EventType,
    JobKind,
)
from app.kernel.documents import DocumentError, detect_type, safe_filename
from app.kernel.events import publish_async
from app.kernel.keys import REPLAY_TTL_SECONDS, cancel_key, lease_key, replay_key
from app.kernel.models import Document, KnowledgeBase, User
from app.kernel.registry.embeddings import (
    default_relevance_threshold,
    embedding_model_ids,
    embedding_model_problem,
    recommended_mode,
)
from app.kernel.schemas.knowledge import (
    DocumentPublic,
    DocumentUploaded,
    KnowledgeBaseCreate,
    KnowledgeBaseUpdate,
    SearchRequest,
    SearchResponse,
)
from app.kernel.settings import Settings
from app.kernel.states import document as document_state
from app.kernel.states.document import DocumentStatus
from app.kernel.tasks import DeleteDocument, IndexDocument, Search
from app.services import ownership
from app.services.job_health import no_worker_message, waiting_status
from app.services.upload_limits import MIB, limited_body, upload_too_large
from app.services.usage_meter import UsageMeter

SEARCH_TIMEOUT_SECONDS = 60.0
WORKER_LOST = "The indexing worker stopped (crashed or restarted) while processing this document; reindex it."
_UNSUPPORTED_CODES = {"unsupported_type", "type_mismatch"}


# -- knowledge bases ----------------------------------------------------------------------------------


async def get_owned_kb(session: AsyncSession, user: User, kb_id: int) -> KnowledgeBase:
    return await ownership.get_owned(session, KnowledgeBase, kb_id, "Knowledge base", owner_id=user.id)


def _name_taken(name: str) -> AppError:
    return AppError(409, "duplicate_name", f"You already have a knowledge base named '{name}'.")


def embedding_model_for(name: str | None, settings: Settings) -> str:
    """The configured embedding model `name` names (the default when None); 422 for anything else."""
    name = name or settings.embedding_model
    problem = embedding_model_problem(name, settings)
    if problem:
        allowed = embedding_model_ids(settings)
        raise AppError(422, "unknown_model", problem, {"field": "embedding_model", "available": allowed})
    return name


async def create_kb(session: AsyncSession, user: User, data: KnowledgeBaseCreate, settings: Settings) -> KnowledgeBase:
    model = embedding_model_for(data.embedding_model, settings)
    chosen = {"embedding_model": model, "retrieval_mode": data.retrieval_mode or recommended_mode(model)}
    kb = KnowledgeBase(owner_id=user.id, **(data.model_dump() | chosen))
    session.add(kb)
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise _name_taken(data.name) from exc
    return kb


async def list_kbs(session: AsyncSession, user: User) -> list[KnowledgeBase]:
    """The user's knowledge bases, without the hidden ones holding a conversation's attachments."""
    rows = await session.scalars(
        select(KnowledgeBase)
        .where(KnowledgeBase.owner_id == user.id, KnowledgeBase.conversation_id.is_(None))
        .order_by(KnowledgeBase.id)
    )
    return list(rows)


async def update_kb(session: AsyncSession, kb: KnowledgeBase, data: KnowledgeBaseUpdate) -> KnowledgeBase:
    for name, value in data.model_dump(exclude_unset=True).items():
        if name in ("name", "retrieval_mode") and value is None:
            continue  # not nullable; a null relevance_threshold goes back to the deployment's default
        setattr(kb, name, value)
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise _name_taken(data.name or "") from exc
    return kb


async def delete_kb(session: AsyncSession, redis: aioredis.Redis, tasks, settings: Settings, kb: KnowledgeBase):
    """Rows go now; the uploads are removed here and the index directory by an indexing worker."""
    documents = list(
        await session.execute(select(Document.id, Document.stored_name).where(Document.knowledge_base_id == kb.id))
    )
    for document_id, _ in documents:
        await redis.set(cancel_key(JobKind.DOCUMENT, document_id), "1", ex=REPLAY_TTL_SECONDS)
    kb_id = kb.id
    await session.execute(delete(Document).where(Document.knowledge_base_id == kb_id))
    await session.delete(kb)
    await session.commit()
    await _remove_uploads(settings, [stored for _, stored in documents])
    await _dispatch_cleanup(tasks, DeleteDocument(knowledge_base_id=kb_id))


# -- documents ----------------------------------------------------------------------------------------


async def get_owned_document(session: AsyncSession, redis: aioredis.Redis, user: User, document_id: int) -> Document:
    document = await ownership.get_owned(
        session, Document, document_id, "Document", populate_existing=True, owner_id=user.id
    )
    return await check_document(session, redis, document)


async def check_document(session: AsyncSession, redis: aioredis.Redis, document: Document) -> Document:
    """Fail a document stuck in parsing/embedding whose worker lease expired (the worker died)."""
    if document.status not in document_state.ACTIVE or await redis.exists(lease_key(JobKind.DOCUMENT, document.id)):
        return document
    result = await session.execute(
        document_state.move(document.id, DocumentStatus.FAILED, sources=document_state.ACTIVE, error=WORKER_LOST)
    )
    await session.commit()
    if result.rowcount == 1:
        logger.warning("document {} failed: its indexing worker was lost", document.id)
        data = {"code": "worker_lost", "message": WORKER_LOST}
        await publish_async(redis, JobKind.DOCUMENT, document.id, EventType.ERROR, data)
    await session.refresh(document)
    return document


async def list_documents(session: AsyncSession, redis: aioredis.Redis, kb: KnowledgeBase) -> list[DocumentPublic]:
    rows = list(
        await session.scalars(
            select(Document).where(Document.knowledge_base_id == kb.id).order_by(Document.id),
            execution_options={"populate_existing": True},
        )
    )
    return await public_documents(session, redis, [await check_document(session, redis, d) for d in rows])


async def queue_position(session: AsyncSession, document: Document) -> int:
    """1 + the documents anyone queued before this one: every user's documents share the indexing queue."""
    ahead = or_(
        Document.updated_at < document.updated_at,
        and_(Document.updated_at == document.updated_at, Document.id < document.id),
    )
    return 1 + await session.scalar(
        select(func.count(Document.id)).where(Document.status == DocumentStatus.QUEUED, ahead)
    )


async def public_documents(
    session: AsyncSession,
    redis: aioredis.Redis,
    documents: list[Document],
    schema: type[DocumentPublic] = DocumentPublic,
) -> list[DocumentPublic]:
    """The documents as the API shows them: queued ones with their queue position and, while no indexing
    worker runs, why they wait (they are not failed: a worker started later indexes them)."""
    public = [schema.model_validate(document) for document in documents]
    queued = [
        (item, document)
        for item, document in zip(public, documents, strict=True)
        if item.status == DocumentStatus.QUEUED
    ]
    message = await no_worker_message(redis, QUEUE_INDEXING) if queued else None
    for item, document in queued:
        item.queue_position = await queue_position(session, document)
        item.queue_message = message
    return public


async def delete_document(session: AsyncSession, redis: aioredis.Redis, tasks, settings: Settings, document: Document):
    """The row goes now (search drops hits of documents that no longer exist); a worker removes the vectors."""
    await redis.set(cancel_key(JobKind.DOCUMENT, document.id), "1", ex=REPLAY_TTL_SECONDS)
    payload = DeleteDocument(knowledge_base_id=document.knowledge_base_id, document_id=document.id)
    stored = document.stored_name
    await session.delete(document)
    await session.commit()
    await _remove_uploads(settings, [stored])
    await _dispatch_cleanup(tasks, payload)


async def reindex(session: AsyncSession, redis: aioredis.Redis, tasks, document: Document) -> Document:
    result = await session.execute(document_state.move(document.id, DocumentStatus.QUEUED, error=None))
    await session.commit()
    if result.rowcount != 1:
        raise AppError(409, "indexing_in_progress", "This document is being indexed already.")
    await session.refresh(document)
    await _start_indexing(session, redis, tasks, [document])
    return document


async def _start_indexing(session: AsyncSession, redis: aioredis.Redis, tasks, documents: list[Document]) -> None:
    """Fresh event channel (ids can be reused, runs repeat), then dispatch; Redis down → failed + 503."""
    try:
        for document in documents:
            await redis.delete(replay_key(JobKind.DOCUMENT, document.id), cancel_key(JobKind.DOCUMENT, document.id))
            await dispatch(tasks, IndexDocument(document_id=document.id))
    except QUEUE_ERRORS as exc:
        error = queue_unavailable("reindex the document shortly.")
        ids = [d.id for d in documents]
        await session.execute(
            update(Document)
            .where(Document.id.in_(ids), Document.status == DocumentStatus.QUEUED)
            .values(status=DocumentStatus.FAILED, error=error.message)
        )
        await session.commit()
        raise error from exc


async def _dispatch_cleanup(tasks, payload: DeleteDocument) -> None:
    try:
        await dispatch(tasks, payload)
    except QUEUE_ERRORS as exc:  # hits of deleted documents are filtered out anyway
        logger.warning("index cleanup {} not dispatched: {}", payload, exc)


async def _remove_uploads(settings: Settings, stored_names: list[str]) -> None:
    def remove() -> None:
        for name in stored_names:
            (settings.uploads_dir / name).unlink(missing_ok=True)

    await anyio.to_thread.run_sync(remove)


def public_event(document: Document) -> dict[str, Any]:
    """The terminal event of a finished document, for a client arriving after its events expired."""
    if document.status == DocumentStatus.FAILED:
        return {"type": EventType.ERROR, "data": {"code": "failed", "message": document.error or "Indexing failed."}}
    return {
        "type": EventType.DONE,
        "data": {"document": DocumentPublic.model_validate(document).model_dump(mode="json")},
    }


async def document_events(
    app: FastAPI, stream: JobEventStream, document: Document, after_seq: int
) -> AsyncIterator[dict[str, Any]]:
    """A document's indexing events until `done`/`error`; while idle, a dead worker or a deletion ends it."""
    redis = app.state.redis
    document_id = document.id
    last_state: list[dict | None] = [None]

    async def waiting(session: AsyncSession, current: Document) -> dict | None:
        """A `status` event while the document waits in the queue and its position or explanation changed."""
        state = await waiting_status(redis, QUEUE_INDEXING, await queue_position(session, current))
        if state == last_state[0]:
            return None
        last_state[0] = state
        return {"type": EventType.STATUS, "data": state}

    async def on_idle() -> dict | None:
        async with app.state.sessionmaker() as session:
            current = await session.get(Document, document_id)
            if current is None:
                data = {"code": "deleted", "message": "The document was deleted."}
                await publish_async(redis, JobKind.DOCUMENT, document_id, EventType.ERROR, data)
            elif current.status == DocumentStatus.QUEUED:
                return await waiting(session, current)
            else:
                await check_document(session, redis, current)
        return None

    if after_seq == 0 and document.status == DocumentStatus.QUEUED:  # the worker publishes every later state itself
        async with app.state.sessionmaker() as session:
            first = await waiting(session, document)
        yield first
    async for event in stream.events(after_seq, on_idle):
        yield event


# -- uploads ------------------------------------------------------------------------------------------


@dataclass
class ReceivedFile:
    raw_name: str
    path: Path
    size: int = 0
    sha256: str = ""
    filename: str = ""
    kind: str = ""


@dataclass
class _UploadWriter:
    """python-multipart callbacks: each `files` part goes straight to its own file, hashed as it is written."""

    directory: Path
    max_files: int
    files: list[ReceivedFile] = field(default_factory=list)
    ended: bool = False
    _headers: dict[bytes, bytes] = field(default_factory=dict)
    _header: list[bytes] = field(default_factory=lambda: [b"", b""])
    _handle: Any = None
    _hash: Any = None

    def parser(self, boundary: bytes) -> MultipartParser:
        callbacks = {
            "on_part_begin": self._headers.clear,
            "on_header_field": lambda data, start, end: self._append(0, data[start:end]),
            "on_header_value": lambda data, start, end: self._append(1, data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._open_part,
            "on_part_data": self._write,
            "on_part_end": self._close_part,
            "on_end": self._end,
        }
        return MultipartParser(boundary, callbacks)

    def _append(self, slot: int, data: bytes) -> None:
        self._header[slot] += data

    def _header_end(self) -> None:
        self._headers[self._header[0].strip().lower()] = self._header[1].strip()
        self._header = [b"", b""]

    def _open_part(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        if params.get(b"name") != b"files" or b"filename" not in params:
            return  # other form fields are ignored
        if len(self.files) == self.max_files:
            raise AppError(422, "too_many_files", f"At most {self.max_files} files per upload (MAX_FILES_PER_UPLOAD).")
        received = ReceivedFile(params[b"filename"].decode("utf-8", "replace"), self.directory / uuid.uuid4().hex)
        self.files.append(received)
        self._handle = received.path.open("xb")
        self._hash = hashlib.sha256()

    def _write(self, data: bytes, start: int, end: int) -> None:
        if self._handle is not None:
            self._handle.write(data[start:end])
            self._hash.update(data[start:end])
            self.files[-1].size += end - start

    def _close_part(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self.files[-1].sha256 = self._hash.hexdigest()
            self._handle = None

    def _end(self) -> None:
        self.ended = True

    def discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
        for received in self.files:
            received.path.unlink(missing_ok=True)


async def receive_files(
    request: Request, settings: Settings, max_mb: int | None = None, check: bool = True
) -> list[ReceivedFile]:
    """Stream the multipart body to `uploads_dir` chunk by chunk, never holding a file in memory.

    The size limit (`max_mb`, default MAX_UPLOAD_MB) is checked on Content-Length before any byte is read,
    and again while streaming. With `check`, the first file of a bad type or name refuses the whole upload;
    without, the caller checks each file itself (a bulk upload skips bad files and reports them).
    """
    limit_mb = max_mb or settings.max_upload_mb
    setting = "MAX_UPLOAD_MB" if max_mb is None else "MAX_BATCH_UPLOAD_MB"
    content_type, params = parse_options_header(request.headers.get("content-type"))
    if content_type != b"multipart/form-data" or not params.get(b"boundary"):
        raise AppError(415, "unsupported_media_type", "Send the files as multipart/form-data in the field 'files'.")
    body = limited_body(request, limit_mb * MIB, lambda: upload_too_large(limit_mb, setting))
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    writer = _UploadWriter(settings.uploads_dir, settings.max_files_per_upload)
    parser = writer.parser(params[b"boundary"])
    try:
        async for chunk in body.stream():
            try:
                await anyio.to_thread.run_sync(parser.write, chunk)
            except MultipartParseError as exc:  # garbage, a header over 8 KiB (a 5,000-char name), a bad header
                raise AppError(
                    400,
                    "malformed_upload",
                    f"The multipart body is malformed ({exc}); send files as multipart/form-data in the field "
                    "'files', with file names of at most 255 characters.",
                ) from exc
        if not writer.ended:
            raise AppError(400, "malformed_upload", "The multipart body is incomplete or malformed.")
        if not writer.files:
            raise AppError(422, "no_files", "No files were sent: use the multipart field 'files'.")
        if check:
            await anyio.to_thread.run_sync(_check_files, writer.files)
    except BaseException:
        await anyio.to_thread.run_sync(writer.discard)
        raise
    return writer.files


def _check_files(files: list[ReceivedFile]) -> None:
    """Sanitised name and sniffed type of every file; the first bad one refuses the whole upload."""
    for received in files:
        try:
            received.filename = safe_filename(received.raw_name)
            received.kind = detect_type(received.path, received.filename)
        except DocumentError as exc:
            status = 415 if exc.code in _UNSUPPORTED_CODES else 422
            raise AppError(status, exc.code, exc.message, {"filename": received.raw_name}) from exc


async def upload(
    request: Request, session: AsyncSession, settings: Settings, user: User, kb: KnowledgeBase
) -> list[DocumentUploaded]:
    """Stream a multipart `files` upload into `kb` and queue each new file for indexing (all or nothing)."""
    await session.close()  # hold no database connection while the body streams in
    files = await receive_files(request, settings)
    try:
        await check_backlog(session, settings, user, len(files))
    except Exception:
        for received in files:
            received.path.unlink(missing_ok=True)
        raise
    return await add_documents(session, request.app.state.redis, request.app.state.tasks, user, kb, files)


async def add_documents(
    session: AsyncSession, redis: aioredis.Redis, tasks, user: User, kb: KnowledgeBase, files: list[ReceivedFile]
) -> list[DocumentUploaded]:
    """One row per new content hash; a file the knowledge base already holds returns that document instead."""
    results = await store_documents(session, redis, tasks, user, kb, files)
    uploaded = await public_documents(session, redis, [d for d, _ in results], DocumentUploaded)
    for item, (_, duplicate) in zip(uploaded, results, strict=True):
        item.duplicate = duplicate
    return uploaded


async def check_backlog(session: AsyncSession, settings: Settings, user: User, adding: int) -> None:
    """429 when `adding` more documents would put more than MAX_QUEUED_DOCUMENTS_PER_USER of this user's
    documents in the indexing queue: one user cannot flood the workers, however few requests it takes."""
    if not adding:
        return
    waiting = await session.scalar(
        select(func.count(Document.id)).where(
            Document.owner_id == user.id, Document.status.in_((DocumentStatus.QUEUED, *document_state.ACTIVE))
        )
    )
    limit = settings.max_queued_documents_per_user
    if waiting + adding > limit:
        message = (
            f"{waiting} of your documents are waiting for indexing; {adding} more would pass the limit of {limit} "
            "(MAX_QUEUED_DOCUMENTS_PER_USER). Upload the rest once these are indexed."
        )
        details = {"waiting": waiting, "adding": adding, "limit": limit}
        raise AppError(429, "indexing_backlog", message, details, {"Retry-After": "60"})


async def store_documents(
    session: AsyncSession, redis: aioredis.Redis, tasks, user: User, kb: KnowledgeBase, files: list[ReceivedFile]
) -> list[tuple[Document, bool]]:
    """(document, duplicate) per file in order: new content becomes a queued document whose indexing starts."""
    hashes = {f.sha256 for f in files}
    known = {
        d.content_hash: d
        for d in await session.scalars(
            select(Document).where(Document.knowledge_base_id == kb.id, Document.content_hash.in_(hashes))
        )
    }
    results: list[tuple[Document, bool]] = []  # (document, duplicate)
    created: list[Document] = []
    for received in files:
        existing = known.get(received.sha256)
        if existing is not None:
            received.path.unlink(missing_ok=True)
            results.append((existing, True))
            continue
        document = Document(
            knowledge_base_id=kb.id,
            owner_id=user.id,
            filename=received.filename,
            stored_name=received.path.name,
            content_hash=received.sha256,
            size_bytes=received.size,
            kind=received.kind,
            status=DocumentStatus.QUEUED,
        )
        session.add(document)
        known[received.sha256] = document
        created.append(document)
        results.append((document, False))
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        for received in files:
            received.path.unlink(missing_ok=True)
        raise AppError(409, "duplicate_document", "The same file is being uploaded concurrently.") from exc
    await _start_indexing(session, redis, tasks, created)
    return results


# -- search -------------------------------------------------------------------------------------------


async def search(
    session: AsyncSession,
    redis: aioredis.Redis,
    tasks,
    settings: Settings,
    meter: UsageMeter,
    kb: KnowledgeBase,
    body: SearchRequest,
) -> SearchResponse:
    """A row-less TASK_SEARCH job on the retrieval queue; the answer carries the relevance decision."""
    mode = body.mode or kb.retrieval_mode
    searchable = await session.scalar(
        select(exists().where(Document.knowledge_base_id == kb.id, Document.indexed_at.is_not(None)))
    )
    if not searchable:
        return SearchResponse(query=body.query, mode=mode, hits=[])
    payload = {
        "knowledge_base_id": kb.id,
        "embedding_model": kb.embedding_model,
        "query": body.query,
        "mode": mode,
        "k": body.k,
        "threshold": kb.relevance_threshold
        if kb.relevance_threshold is not None
        else default_relevance_threshold(kb.embedding_model, settings),
    }
    job_id, stream = await start_job(redis, tasks, JobKind.SEARCH, Search, payload)
    events = job_events(redis, meter, JobKind.SEARCH, job_id, stream, SEARCH_TIMEOUT_SECONDS)
    async for event in events:
        if event["type"] == EventType.ERROR and event["data"].get("code") == "timeout":
            message = f"No indexing worker answered within {SEARCH_TIMEOUT_SECONDS:.0f} s (busy or not running)."
            raise AppError(503, "search_timeout", message)
        if event["type"] == EventType.ERROR:
            raise AppError(
                503, event["data"].get("code", "search_failed"), event["data"].get("message", "Search failed.")
            )
        if event["type"] == EventType.DONE:
            data = event["data"]
            return SearchResponse(query=body.query, mode=mode, hits=data["hits"], relevance=data.get("relevance"))
    raise AppError(503, "search_failed", "The search job ended without a result.")
