from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import ContextDep, CurrentUser, ObjectId, PageWindow, SessionDep, SettingsDep, page_window
from app.core.admission import Kind, admit
from app.kernel.schemas.common import Page
from app.kernel.schemas.conversation import (
    ConversationCreate,
    ConversationDetail,
    ConversationPublic,
    ConversationUpdate,
    MessagePublic,
)
from app.services import attachment_uploads, conversations

router = APIRouter(prefix="/conversations", tags=["conversations"])


@router.post(
    "", response_model=ConversationPublic, status_code=status.HTTP_201_CREATED, dependencies=[admit(Kind.FREE)]
)
async def create_conversation(data: ConversationCreate, user: CurrentUser, session: SessionDep, settings: SettingsDep):
    return await conversations.create(session, user, data, settings.default_model)


@router.get("", response_model=Page[ConversationPublic])
async def list_conversations(
    user: CurrentUser,
    session: SessionDep,
    page: Annotated[PageWindow, page_window(20, 100)],
    q: str | None = Query(None, max_length=200, description="Search titles and message text"),
):
    """Newest first."""
    items, total = await conversations.list_page(session, user, page.limit, page.offset, q)
    return Page(items=[ConversationPublic.model_validate(c) for c in items], total=total)


@router.get("/{conversation_id}", response_model=ConversationDetail)
async def get_conversation(conversation_id: ObjectId, user: CurrentUser, session: SessionDep):
    conversation = await conversations.get_owned(session, user, conversation_id)
    messages = await conversations.messages_of(session, conversation)
    return ConversationDetail(
        **ConversationPublic.model_validate(conversation).model_dump(),
        messages=[MessagePublic.model_validate(m) for m in messages],
    )


@router.patch("/{conversation_id}", response_model=ConversationPublic, dependencies=[admit(Kind.FREE)])
async def update_conversation(
    conversation_id: ObjectId, data: ConversationUpdate, user: CurrentUser, session: SessionDep
):
    conversation = await conversations.get_owned(session, user, conversation_id)
    return await conversations.update(session, user, conversation, data)


@router.delete("/{conversation_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[admit(Kind.FREE)])
async def delete_conversation(conversation_id: ObjectId, ctx: ContextDep):
    """Its attached files go with it (uploads now, their index shortly after, by an indexing worker)."""
    conversation = await conversations.get_owned(ctx.session, ctx.user, conversation_id)
    await attachment_uploads.delete_for_conversation(ctx.session, ctx.redis, ctx.tasks, ctx.settings, conversation)
    await conversations.delete(ctx.session, conversation)
