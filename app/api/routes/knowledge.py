"""Knowledge bases, their documents (upload, indexing progress over SSE, reindex, delete) and search."""

from fastapi import APIRouter, Request, status

from app.api.deps import ContextDep, CurrentUser, EventsDep, ObjectId, RedisDep, SessionDep, SettingsDep
from app.api.owned_reads import add_owned_reads
from app.api.route_options import accepted, uploaded
from app.core.admission import Kind, admit
from app.events.relay import SSE_DOC, just, subscribe_unless_expired
from app.kernel.contracts import JobKind
from app.kernel.schemas.knowledge import (
    BatchPublic,
    DocumentPublic,
    DocumentUploaded,
    KnowledgeBaseCreate,
    KnowledgeBasePublic,
    KnowledgeBaseUpdate,
    SearchRequest,
    SearchResponse,
)
from app.kernel.states import document as document_state
from app.services import knowledge, upload_batches
from app.services.usage_meter import UsageMeter

router = APIRouter(tags=["knowledge"])

# Ids are 32-bit integer keys (PostgreSQL `integer`); larger ones are refused as 422 rather than overflowing a query.


@router.post(
    "/knowledge-bases",
    response_model=KnowledgeBasePublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=[admit(Kind.FREE)],
)
async def create_knowledge_base(
    data: KnowledgeBaseCreate, user: CurrentUser, session: SessionDep, settings: SettingsDep
):
    """`embedding_model` defaults to EMBEDDING_MODEL; a duplicate name among your knowledge bases → 409."""
    return await knowledge.create_kb(session, user, data, settings)


add_owned_reads(
    router,
    "/knowledge-bases",
    KnowledgeBasePublic,
    knowledge.list_kbs,
    knowledge.get_owned_kb,
    item="knowledge_base",
    id_name="kb_id",
)


@router.patch("/knowledge-bases/{kb_id}", response_model=KnowledgeBasePublic, dependencies=[admit(Kind.FREE)])
async def update_knowledge_base(kb_id: ObjectId, data: KnowledgeBaseUpdate, user: CurrentUser, session: SessionDep):
    kb = await knowledge.get_owned_kb(session, user, kb_id)
    return await knowledge.update_kb(session, kb, data)


@router.delete("/knowledge-bases/{kb_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[admit(Kind.FREE)])
async def delete_knowledge_base(kb_id: ObjectId, ctx: ContextDep):
    """Deletes its documents and uploads now; an indexing worker removes the index directory shortly after."""
    kb = await knowledge.get_owned_kb(ctx.session, ctx.user, kb_id)
    await knowledge.delete_kb(ctx.session, ctx.redis, ctx.tasks, ctx.settings, kb)


@router.post("/knowledge-bases/{kb_id}/documents", **uploaded(list[DocumentUploaded]))
async def upload_documents(
    kb_id: ObjectId, request: Request, user: CurrentUser, session: SessionDep, settings: SettingsDep
):
    """Multipart field `files` (up to MAX_FILES_PER_UPLOAD), at most MAX_UPLOAD_MB per request; each new file is
    queued for indexing. All or nothing: one refused file (415 type, 422 empty or bad name, 413 size) refuses the
    request. A file whose content the knowledge base already holds returns that document with `duplicate: true`.
    For folders and zips, with bad files skipped and reported, use POST .../batches."""
    kb = await knowledge.get_owned_kb(session, user, kb_id)
    return await knowledge.upload(request, session, settings, user, kb)


@router.post("/knowledge-bases/{kb_id}/batches", **uploaded(BatchPublic))
async def upload_batch(kb_id: ObjectId, ctx: ContextDep):
    """A bulk upload: multipart field `files`, any number of documents and `.zip` files of folders (expanded
    here), up to MAX_FILES_PER_UPLOAD files and MAX_BATCH_UPLOAD_MB in all. Files that cannot be indexed are
    skipped with their reason, duplicates are reported, the rest is queued. One request counts once against the
    upload rate limit; 429 `indexing_backlog` when more than MAX_QUEUED_DOCUMENTS_PER_USER of your documents
    would wait for indexing. Follow progress with GET .../batches/{batch_id}."""
    kb = await knowledge.get_owned_kb(ctx.session, ctx.user, kb_id)
    await ctx.session.close()  # hold no database connection while the body streams in
    return await upload_batches.create_batch(ctx.request, ctx.session, ctx.redis, ctx.settings, ctx.user, kb)


@router.get("/knowledge-bases/{kb_id}/batches/{batch_id}", response_model=BatchPublic)
async def get_batch(kb_id: ObjectId, batch_id: str, user: CurrentUser, session: SessionDep):
    """A bulk upload's progress: counts per status, `done`, and every file with its status, duplicate flag
    and the reason it was skipped or failed."""
    kb = await knowledge.get_owned_kb(session, user, kb_id)
    return await upload_batches.get_batch(session, kb, batch_id)


@router.get("/knowledge-bases/{kb_id}/documents", response_model=list[DocumentPublic])
async def list_documents(kb_id: ObjectId, user: CurrentUser, session: SessionDep, redis: RedisDep):
    kb = await knowledge.get_owned_kb(session, user, kb_id)
    return await knowledge.list_documents(session, redis, kb)


@router.post("/knowledge-bases/{kb_id}/search", response_model=SearchResponse, dependencies=[admit(Kind.EMBEDDING)])
async def search(kb_id: ObjectId, body: SearchRequest, ctx: ContextDep):
    """Top `k` chunks by dense (embeddings), bm25 (keywords) or hybrid (both, rank-fused) retrieval."""
    kb = await knowledge.get_owned_kb(ctx.session, ctx.user, kb_id)
    meter = UsageMeter(ctx.request.app.state.sessionmaker, ctx.user.id)
    return await knowledge.search(ctx.session, ctx.redis, ctx.tasks, ctx.settings, meter, kb, body)


@router.get("/documents/{document_id}", response_model=DocumentPublic)
async def get_document(document_id: ObjectId, user: CurrentUser, session: SessionDep, redis: RedisDep):
    """A queued document carries `queue_position`, and `queue_message` while no indexing worker runs."""
    document = await knowledge.get_owned_document(session, redis, user, document_id)
    [public] = await knowledge.public_documents(session, redis, [document])
    return public


@router.delete("/documents/{document_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[admit(Kind.FREE)])
async def delete_document(document_id: ObjectId, ctx: ContextDep):
    document = await knowledge.get_owned_document(ctx.session, ctx.redis, ctx.user, document_id)
    await knowledge.delete_document(ctx.session, ctx.redis, ctx.tasks, ctx.settings, document)


@router.post("/documents/{document_id}/reindex", **accepted(DocumentPublic, Kind.JOB))
async def reindex_document(
    document_id: ObjectId, request: Request, user: CurrentUser, session: SessionDep, redis: RedisDep
):
    """Index an indexed or failed document again (409 while it is being indexed)."""
    document = await knowledge.get_owned_document(session, redis, user, document_id)
    document = await knowledge.reindex(session, redis, request.app.state.tasks, document)
    [public] = await knowledge.public_documents(session, redis, [document])
    return public


@router.get("/documents/{document_id}/events", responses=SSE_DOC)
async def document_events(document_id: ObjectId, sse: EventsDep):
    """`status {state}` (while queued also `queue_position`, and `message` when no indexing worker runs),
    `progress {stage, done, total}`, then `done {document}` or `error {code, message}`."""
    document = await knowledge.get_owned_document(sse.session, sse.redis, sse.user, document_id)
    finished = document.status in document_state.FINAL
    stream = await subscribe_unless_expired(sse.redis, JobKind.DOCUMENT, document.id, finished)
    if stream is None:
        return sse.respond(just(knowledge.public_event(document)))
    return sse.respond(knowledge.document_events(sse.request.app, stream, document, sse.after))
