"""Bulk uploads: many files and zips of folders in one request, each file reported on its own.

Unlike POST .../documents (all or nothing), a batch skips a file it cannot take (unsupported type, empty, bad
name) and says why, indexes the rest, and reports duplicates; GET .../batches/{id} shows its progress. A zip
is expanded here into its members (folders flattened, hidden files and `__MACOSX/` ignored), with the
expanded bytes counted against MAX_BATCH_UPLOAD_MB and members against MAX_FILES_PER_UPLOAD.
"""

import hashlib
import uuid
import zipfile
from dataclasses import dataclass

import anyio
import redis.asyncio as aioredis
from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import AppError, not_found
from app.kernel.documents import DocumentError, detect_type, safe_filename
from app.kernel.models import Document, KnowledgeBase, UploadBatch, User
from app.kernel.schemas.knowledge import BatchFile, BatchPublic
from app.kernel.settings import Settings
from app.services import knowledge
from app.services.knowledge import ReceivedFile

ARCHIVE_SUFFIX = ".zip"
MAX_COMPRESSION_RATIO = 200  # a member that expands more than this is refused as a likely zip bomb
COPY_CHUNK = 1024 * 1024
IN_PROGRESS = ("queued", "parsing", "embedding")


@dataclass
class Skipped:
    filename: str
    code: str
    message: str


async def create_batch(
    request: Request, session: AsyncSession, redis: aioredis.Redis, settings: Settings, user: User, kb: KnowledgeBase
) -> BatchPublic:
    received = await knowledge.receive_files(request, settings, max_mb=settings.max_batch_upload_mb, check=False)
    items = await anyio.to_thread.run_sync(expand_and_check, received, settings)
    try:
        files = [item for item in items if isinstance(item, ReceivedFile)]
        if len(files) > settings.max_files_per_upload:
            limit = settings.max_files_per_upload
            raise AppError(422, "too_many_files", f"At most {limit} files per upload, zip members included.")
        await knowledge.check_backlog(session, settings, user, len(files))
    except BaseException:
        await anyio.to_thread.run_sync(discard, received, items)
        raise
    stored = iter(await knowledge.store_documents(session, redis, request.app.state.tasks, user, kb, files))
    entries = []
    for item in items:
        if isinstance(item, Skipped):
            entries.append({"filename": item.filename, "code": item.code, "message": item.message})
        else:
            document, duplicate = next(stored)
            entries.append({"filename": item.raw_name, "document_id": document.id, "duplicate": duplicate})
    batch = UploadBatch(id=uuid.uuid4().hex, knowledge_base_id=kb.id, owner_id=user.id, entries=entries)
    session.add(batch)
    await session.commit()
    return await batch_public(session, batch)


async def get_batch(session: AsyncSession, kb: KnowledgeBase, batch_id: str) -> BatchPublic:
    batch = await session.get(UploadBatch, batch_id)
    if batch is None or batch.knowledge_base_id != kb.id:
        raise not_found("Upload batch")
    return await batch_public(session, batch)


async def batch_public(session: AsyncSession, batch: UploadBatch) -> BatchPublic:
    ids = {entry["document_id"] for entry in batch.entries if "document_id" in entry}
    rows = await session.execute(
        select(Document.id, Document.status, Document.error).where(
            Document.knowledge_base_id == batch.knowledge_base_id, Document.id.in_(ids)
        )
    )
    current = {document_id: (status, error) for document_id, status, error in rows}
    files = []
    for entry in batch.entries:
        if "document_id" not in entry:
            files.append(BatchFile(filename=entry["filename"], status="skipped", **_reason(entry)))
            continue
        status, error = current.get(entry["document_id"], ("deleted", None))
        files.append(BatchFile(**entry, status=status, error=error))
    counts: dict[str, int] = {}
    for item in files:
        counts[item.status] = counts.get(item.status, 0) + 1
    done = not any(status in counts for status in IN_PROGRESS)
    return BatchPublic(
        id=batch.id,
        knowledge_base_id=batch.knowledge_base_id,
        created_at=batch.created_at,
        total=len(files),
        counts=counts,
        done=done,
        files=files,
    )


def _reason(entry: dict) -> dict:
    return {"code": entry["code"], "error": entry["message"]}


# -- files and archives (worker threads) -------------------------------------------------------------------


def expand_and_check(received: list[ReceivedFile], settings: Settings) -> list[ReceivedFile | Skipped]:
    """Every upload in order, zips replaced by their members; a file that cannot be indexed becomes Skipped.

    On a refusal (too many members, too many bytes) every member extracted so far is removed again."""
    budget = [settings.max_batch_upload_mb * 1024 * 1024]
    items: list[ReceivedFile | Skipped] = []
    try:
        for upload in received:
            if upload.raw_name.lower().endswith(ARCHIVE_SUFFIX):
                _expand(upload, settings, budget, items)
                upload.path.unlink(missing_ok=True)
            else:
                items.append(_checked(upload))
    except BaseException:
        discard(received, items)
        raise
    return items


def _checked(upload: ReceivedFile) -> ReceivedFile | Skipped:
    try:
        upload.filename = safe_filename(upload.raw_name)
        upload.kind = detect_type(upload.path, upload.filename)
    except DocumentError as exc:
        upload.path.unlink(missing_ok=True)
        return Skipped(upload.raw_name, exc.code, exc.message)
    return upload


def _expand(archive: ReceivedFile, settings: Settings, budget: list[int], items: list) -> None:
    try:
        with zipfile.ZipFile(archive.path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir() and not _hidden(m.filename)]
            if len(members) > settings.max_files_per_upload:
                limit = settings.max_files_per_upload
                raise AppError(422, "too_many_files", f"{archive.raw_name} holds more than {limit} files.")
            for member in members:
                items.append(_extract(zf, member, archive, budget))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError) as exc:
        items.append(Skipped(archive.raw_name, "bad_archive", f"{archive.raw_name} is not a readable zip: {exc}"))


def _hidden(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return parts[0] == "__MACOSX" or any(part.startswith(".") for part in parts if part)


def _extract(
    zf: zipfile.ZipFile, member: zipfile.ZipInfo, archive: ReceivedFile, budget: list[int]
) -> ReceivedFile | Skipped:
    shown = f"{archive.raw_name}/{member.filename}"
    if member.compress_size and member.file_size / member.compress_size > MAX_COMPRESSION_RATIO:
        return Skipped(shown, "suspicious_archive", f"{shown} expands {MAX_COMPRESSION_RATIO}x or more; not taken.")
    target = archive.path.parent / uuid.uuid4().hex
    digest, size = hashlib.sha256(), 0
    try:
        with zf.open(member) as source, target.open("xb") as out:
            while chunk := source.read(COPY_CHUNK):
                size += len(chunk)
                if size > budget[0]:
                    raise AppError(413, "payload_too_large", "The expanded zip members pass MAX_BATCH_UPLOAD_MB.")
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    budget[0] -= size
    return _checked(ReceivedFile(member.filename, target, size, digest.hexdigest()))


def discard(received: list[ReceivedFile], items: list) -> None:
    """Remove every file this request wrote, uploads and zip members alike (after a refusal)."""
    for upload in [*received, *(item for item in items if isinstance(item, ReceivedFile))]:
        upload.path.unlink(missing_ok=True)
