"""Files attached to one question of a conversation (indexed into its private knowledge base)."""

from fastapi import APIRouter, Request

from app.api.deps import CurrentUser, ObjectId, RedisDep, SessionDep, SettingsDep
from app.api.route_options import uploaded
from app.kernel.schemas.knowledge import DocumentPublic, DocumentUploaded
from app.services import attachment_uploads, conversations

router = APIRouter(prefix="/conversations/{conversation_id}/attachments", tags=["conversations"])


@router.post("", **uploaded(list[DocumentUploaded]))
async def attach_files(
    conversation_id: ObjectId, request: Request, user: CurrentUser, session: SessionDep, settings: SettingsDep
):
    """Multipart field `files`, as for knowledge-base uploads. Each file is indexed into the conversation's own
    knowledge base (not listed under /knowledge-bases, deleted with the conversation); follow it with
    GET /documents/{id}/events, then send the question with `attachment_ids`."""
    conversation = await conversations.get_owned(session, user, conversation_id)
    return await attachment_uploads.attach(request, session, settings, user, conversation)


@router.get("", response_model=list[DocumentPublic])
async def list_attached_files(conversation_id: ObjectId, user: CurrentUser, session: SessionDep, redis: RedisDep):
    conversation = await conversations.get_owned(session, user, conversation_id)
    return await attachment_uploads.list_attachments(session, redis, conversation)
