"""Files attached to one question: they live in a private knowledge base of the conversation.

That knowledge base is the ordinary kind (same upload, indexing and search path, app/services/attachment_uploads.py),
marked with the conversation's id: hidden from the knowledge-base list, owned by the user, deleted with the
conversation. This module is what chat needs (no import of the knowledge service, which imports chat).
"""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import AppError
from app.kernel.models import Conversation, Document, KnowledgeBase
from app.kernel.states.document import DocumentStatus


async def conversation_kb(session: AsyncSession, conversation: Conversation) -> KnowledgeBase | None:
    return await session.scalar(select(KnowledgeBase).where(KnowledgeBase.conversation_id == conversation.id))


async def resolve(
    session: AsyncSession, conversation: Conversation, attachment_ids: list[int]
) -> tuple[int, list[dict]] | None:
    """(knowledge base id, [{document_id, filename}]) for a question's attachments; None without any.
    422 for a document not attached to this conversation, 409 for one not indexed yet."""
    if not attachment_ids:
        return None
    kb = await conversation_kb(session, conversation)
    found = (
        {}
        if kb is None
        else {
            d.id: d
            for d in await session.scalars(
                select(Document).where(Document.knowledge_base_id == kb.id, Document.id.in_(attachment_ids))
            )
        }
    )
    if missing := sorted(set(attachment_ids) - found.keys()):
        raise AppError(
            422,
            "unknown_attachment",
            f"Not attached to this conversation: {missing}. Attach files with POST "
            f"/api/v1/conversations/{conversation.id}/attachments first.",
            {"field": "attachment_ids", "missing": missing},
        )
    if waiting := [d.filename for d in found.values() if d.status != DocumentStatus.INDEXED]:
        raise AppError(
            409,
            "attachment_not_indexed",
            f"Still indexing (or failed): {', '.join(waiting)}. Send once the attachment is indexed.",
            {"field": "attachment_ids"},
        )
    assert kb is not None
    return kb.id, [{"document_id": i, "filename": found[i].filename} for i in dict.fromkeys(attachment_ids)]
