"""Conversations owned by a user; every query filters by owner so others' rows answer 404."""

from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import AppError
from app.kernel.models import Conversation, KnowledgeBase, Message, User
from app.kernel.schemas.common import changed_fields
from app.kernel.schemas.conversation import ConversationCreate, ConversationUpdate
from app.services import ownership
from app.services.models_catalog import ensure_known_model

NULLABLE_SETTINGS = frozenset({"model", "system_prompt", "temperature", "top_p", "max_tokens", "planner"})


async def get_owned(session: AsyncSession, user: User, conversation_id: int) -> Conversation:
    return await ownership.get_owned(session, Conversation, conversation_id, "Conversation", owner_id=user.id)


async def _check_references(session: AsyncSession, user: User, values: dict) -> None:
    """A conversation may only name models that exist and knowledge bases its owner has."""
    if values.get("model"):
        await ensure_known_model(session, values["model"], user)
    wanted = set(values.get("knowledge_base_ids") or [])
    if wanted:
        owned = set(
            await session.scalars(
                select(KnowledgeBase.id).where(KnowledgeBase.id.in_(wanted), KnowledgeBase.owner_id == user.id)
            )
        )
        if missing := sorted(wanted - owned):
            raise AppError(
                422,
                "unknown_knowledge_base",
                f"Knowledge bases not found: {missing}",
                {"field": "knowledge_base_ids", "missing": missing},
            )


async def create(session: AsyncSession, user: User, data: ConversationCreate, default_model: str) -> Conversation:
    values = data.model_dump(exclude_unset=True, exclude_none=True)
    await _check_references(session, user, values)
    values.setdefault("model", default_model)
    conversation = Conversation(owner_id=user.id, **values)
    session.add(conversation)
    await session.commit()
    return conversation


async def list_page(session: AsyncSession, user: User, limit: int, offset: int, q: str | None):
    query = select(Conversation).where(Conversation.owner_id == user.id)
    if q:
        pattern = f"%{q.lower()}%"
        in_messages = exists().where(
            Message.conversation_id == Conversation.id, func.lower(Message.content).like(pattern)
        )
        query = query.where(or_(func.lower(Conversation.title).like(pattern), in_messages))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.order_by(Conversation.updated_at.desc(), Conversation.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), total or 0


async def update(
    session: AsyncSession, user: User, conversation: Conversation, data: ConversationUpdate
) -> Conversation:
    changes = changed_fields(data, NULLABLE_SETTINGS)
    await _check_references(session, user, changes)
    for field, value in changes.items():
        setattr(conversation, field, value)
    await session.commit()
    return conversation


async def messages_of(session: AsyncSession, conversation: Conversation) -> list[Message]:
    rows = await session.scalars(select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id))
    return list(rows)


async def delete(session: AsyncSession, conversation: Conversation) -> None:
    await session.delete(conversation)
    await session.commit()
