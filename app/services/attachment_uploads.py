"""Attach files to a conversation: upload them into its private knowledge base (app/services/attachments.py)
through the knowledge service's own upload path, list them, and remove them with the conversation."""

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.kernel.models import Conversation, KnowledgeBase, User
from app.kernel.schemas.knowledge import DocumentPublic, DocumentUploaded
from app.kernel.settings import Settings
from app.services import knowledge
from app.services.attachments import conversation_kb

# The user attached the file to ask about it: every question is grounded in it, however loosely related.
ATTACHMENT_RELEVANCE_THRESHOLD = 0.0


async def _ensure_kb(session: AsyncSession, conversation: Conversation, settings: Settings) -> KnowledgeBase:
    kb = await conversation_kb(session, conversation)
    if kb is None:
        kb = KnowledgeBase(
            owner_id=conversation.owner_id,
            name=f"Attachments of conversation {conversation.id}",
            embedding_model=knowledge.embedding_model_for(None, settings),
            relevance_threshold=ATTACHMENT_RELEVANCE_THRESHOLD,
            conversation_id=conversation.id,
        )
        session.add(kb)
        await session.commit()
    return kb


async def attach(
    request: Request, session: AsyncSession, settings: Settings, user: User, conversation: Conversation
) -> list[DocumentUploaded]:
    kb = await _ensure_kb(session, conversation, settings)
    return await knowledge.upload(request, session, settings, user, kb)


async def list_attachments(session: AsyncSession, redis, conversation: Conversation) -> list[DocumentPublic]:
    kb = await conversation_kb(session, conversation)
    return [] if kb is None else await knowledge.list_documents(session, redis, kb)


async def delete_for_conversation(session: AsyncSession, redis, tasks, settings: Settings, conversation: Conversation):
    """Uploads, rows and (through an indexing worker) the index of the conversation's attachments."""
    kb = await conversation_kb(session, conversation)
    if kb is not None:
        await knowledge.delete_kb(session, redis, tasks, settings, kb)
