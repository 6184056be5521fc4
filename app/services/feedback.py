"""Feedback on assistant answers: one rating per answer, stored with a snapshot of what produced it."""

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import AppError, not_found
from app.kernel.models import Conversation, Message, MessageFeedback, User
from app.kernel.schemas.feedback import FeedbackIn, FeedbackSummary, ModelFeedbackSummary
from app.services.chat import get_owned_message

RATABLE = ("done", "cancelled")
ANSWERED = ("done", "cancelled")


async def prompt_of(session: AsyncSession, conversation: Conversation, answer: Message) -> list[dict[str, str]]:
    """The messages the model saw for `answer` (system prompt, the branch's earlier turns, the question).

    Mirrors worker/jobs/generation/history.py, which the API cannot import: failed or empty answers are left out.
    """
    chain: list[Message] = []
    current = await session.get(Message, answer.parent_id) if answer.parent_id else None
    while current is not None:
        chain.append(current)
        current = await session.get(Message, current.parent_id) if current.parent_id else None
    messages = [{"role": "system", "content": conversation.system_prompt}] if conversation.system_prompt else []
    for message in reversed(chain):
        if message.role == "assistant" and (message.status not in ANSWERED or not message.content):
            continue
        messages.append({"role": message.role, "content": message.content})
    return messages


async def _ratable_answer(session: AsyncSession, user: User, message_id: int) -> Message:
    message = await get_owned_message(session, user, message_id)
    if message.role != "assistant":
        raise AppError(409, "not_an_answer", "Only an assistant answer can be rated; this message is a question.")
    if message.status not in RATABLE:
        raise AppError(409, "answer_not_finished", f"The answer is {message.status}; rate it once it has finished.")
    return message


async def rate(session: AsyncSession, user: User, message_id: int, body: FeedbackIn) -> MessageFeedback:
    """Create or replace the user's rating of their answer; the snapshot is taken (again) now."""
    answer = await _ratable_answer(session, user, message_id)
    conversation = await session.get(Conversation, answer.conversation_id)
    feedback = await session.scalar(select(MessageFeedback).where(MessageFeedback.message_id == answer.id))
    if feedback is None:
        feedback = MessageFeedback(message_id=answer.id, conversation_id=answer.conversation_id, owner_id=user.id)
        session.add(feedback)
    model = answer.model or conversation.model
    feedback.question_id = answer.parent_id
    feedback.rating = body.rating
    feedback.comment = body.comment
    feedback.corrected_answer = body.corrected_answer
    feedback.model = model
    feedback.adapter = (model.partition("+")[2] or None) if model else None
    feedback.knowledge_base_ids = list(answer.knowledge_base_ids or [])
    feedback.prompt = await prompt_of(session, conversation, answer)
    feedback.answer = answer.content
    await session.commit()
    await session.refresh(feedback)
    return feedback


async def get_feedback(session: AsyncSession, user: User, message_id: int) -> MessageFeedback:
    answer = await get_owned_message(session, user, message_id)
    feedback = await session.scalar(select(MessageFeedback).where(MessageFeedback.message_id == answer.id))
    if feedback is None:
        raise not_found("Feedback")
    return feedback


async def delete_feedback(session: AsyncSession, user: User, message_id: int) -> None:
    await session.delete(await get_feedback(session, user, message_id))
    await session.commit()


async def list_own(
    session: AsyncSession, user: User, limit: int, offset: int, rating: str | None, conversation_id: int | None
) -> tuple[list[MessageFeedback], int]:
    query = select(MessageFeedback).where(MessageFeedback.owner_id == user.id)
    if rating:
        query = query.where(MessageFeedback.rating == rating)
    if conversation_id:
        query = query.where(MessageFeedback.conversation_id == conversation_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(MessageFeedback.id.desc()).limit(limit).offset(offset))
    return list(rows), total or 0


def _counts():
    return (
        func.count(),
        func.sum(case((MessageFeedback.rating == "up", 1), else_=0)),
        func.sum(case((MessageFeedback.rating == "down", 1), else_=0)),
        func.count(MessageFeedback.corrected_answer),
    )


def _approval(up: int, down: int) -> float | None:
    return round(up / (up + down), 4) if up + down else None


async def summary(session: AsyncSession) -> FeedbackSummary:
    """Everyone's feedback in counts, overall and per model id (adapters are their own model ids)."""
    total, up, down, corrected = (await session.execute(select(*_counts()))).one()
    users = await session.scalar(select(func.count(func.distinct(MessageFeedback.owner_id))))
    rows = await session.execute(
        select(MessageFeedback.model, *_counts()).group_by(MessageFeedback.model).order_by(MessageFeedback.model)
    )
    by_model = [
        ModelFeedbackSummary(model=model, up=u or 0, down=d or 0, corrected=c, approval=_approval(u or 0, d or 0))
        for model, _count, u, d, c in rows
    ]
    return FeedbackSummary(
        total=total, up=up or 0, down=down or 0, corrected=corrected, users=users or 0, by_model=by_model
    )
