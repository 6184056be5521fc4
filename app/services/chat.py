"""Chat messages: store the question and a pending answer, then hand the answer to a generation worker."""

from datetime import UTC, datetime

import redis.asyncio as aioredis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import QUEUE_ERRORS, AppError, queue_unavailable
from app.core.tasks import dispatch
from app.events.relay import JobEventStream
from app.kernel.contracts import QUEUE_GENERATION, EventType, JobKind
from app.kernel.events import publish_async
from app.kernel.keys import REPLAY_TTL_SECONDS, cancel_key, pending_queue_key
from app.kernel.models import Conversation, Message, User
from app.kernel.schemas.chat import GenerationParamsIn, MessageCreate
from app.kernel.schemas.conversation import MessagePublic
from app.kernel.settings import Settings
from app.kernel.states import message as message_state
from app.kernel.states.message import MessageStatus
from app.kernel.tasks import GenerateAnswer
from app.services import attachments, ownership
from app.services.models_catalog import ensure_known_model

DEFAULT_TITLE = "New conversation"


async def get_owned_message(session: AsyncSession, user: User, message_id: int) -> Message:
    return await ownership.get_owned(session, Message, message_id, "Message", owner_id=user.id)


def _check_content(content: str, settings: Settings) -> str:
    if not content.strip():
        raise AppError(422, "validation_error", "Message content is empty.", [{"field": "content"}])
    if len(content) > settings.max_message_chars:
        raise AppError(
            422,
            "validation_error",
            f"Message is {len(content)} characters; the limit is {settings.max_message_chars}.",
            [{"field": "content", "max_length": settings.max_message_chars}],
        )
    return content


def _params(params: GenerationParamsIn | None) -> dict:
    return params.model_dump(exclude_none=True) if params else {}


async def _question_parent(session: AsyncSession, conversation: Conversation, body: MessageCreate) -> int | None:
    """Where the new question hangs in the conversation tree: as asked (edit-and-resend), else at the end."""
    if "parent_id" not in body.model_fields_set:
        return await session.scalar(
            select(Message.id).where(Message.conversation_id == conversation.id).order_by(Message.id.desc()).limit(1)
        )
    if body.parent_id is not None:
        parent = await session.get(Message, body.parent_id)
        if parent is None or parent.conversation_id != conversation.id:
            raise AppError(
                422, "validation_error", "parent_id is not a message of this conversation.", [{"field": "parent_id"}]
            )
    return body.parent_id


def _pending_answer(
    conversation_id: int, owner_id: int, question_id: int | None, model: str | None, params: dict, kb_ids: list[int]
) -> Message:
    """An answer to message `question_id` that waits for a generation worker."""
    return Message(
        conversation_id=conversation_id,
        owner_id=owner_id,
        parent_id=question_id,
        role="assistant",
        status=MessageStatus.PENDING,
        model=model,
        params=params,
        knowledge_base_ids=kb_ids,
    )


async def create_exchange(
    session: AsyncSession, settings: Settings, user: User, conversation: Conversation, body: MessageCreate
) -> tuple[Message, Message]:
    """Commit the user's message and a pending answer before anything is dispatched: nothing can be lost."""
    _check_content(body.content, settings)
    model = await ensure_known_model(session, body.model or conversation.model or settings.default_model, user)
    attached = await attachments.resolve(session, conversation, body.attachment_ids or [])
    question = Message(
        conversation_id=conversation.id,
        owner_id=user.id,
        parent_id=await _question_parent(session, conversation, body),
        role="user",
        content=body.content,
        status=MessageStatus.DONE,
        attachments=attached[1] if attached else [],
    )
    session.add(question)
    await session.flush()
    kb_ids = body.knowledge_base_ids if body.knowledge_base_ids is not None else conversation.knowledge_base_ids
    if attached:  # this question's answer is grounded in its attachments, beside the conversation's bases
        kb_ids = [*(kb_ids or []), attached[0]]
    answer = _pending_answer(conversation.id, user.id, question.id, model, _params(body.params), list(kb_ids or []))
    session.add(answer)
    if conversation.title == DEFAULT_TITLE:
        conversation.title = body.content.strip().splitlines()[0][:60]
    conversation.updated_at = datetime.now(UTC)
    await session.commit()
    return question, answer


async def create_regeneration(
    session: AsyncSession, user: User, previous: Message, model: str | None, params: GenerationParamsIn | None
) -> Message:
    """A sibling answer to the same question; the earlier answer is kept."""
    if previous.role != "assistant" or previous.parent_id is None:
        raise AppError(409, "not_an_answer", "Only an assistant answer can be regenerated.")
    if previous.status in message_state.ACTIVE:
        raise AppError(409, "still_generating", "This answer is still being generated; stop it first.")
    model_id = await ensure_known_model(session, model, user) if model else previous.model
    merged = {**(previous.params or {}), **_params(params)}
    answer = _pending_answer(
        previous.conversation_id, previous.owner_id, previous.parent_id, model_id, merged, previous.knowledge_base_ids
    )
    session.add(answer)
    await session.commit()
    return answer


async def mark_failed(session: AsyncSession, message_id: int, reason: str) -> None:
    await session.execute(
        message_state.move(message_id, MessageStatus.FAILED, error=reason, finished_at=datetime.now(UTC))
    )
    await session.commit()


async def start_generation(session: AsyncSession, redis: aioredis.Redis, tasks, answer: Message) -> JobEventStream:
    """Subscribe to the answer's events, then dispatch; Redis down → 503 and the answer is marked failed."""
    stream = JobEventStream(redis, JobKind.MESSAGE, answer.id)
    try:
        await stream.open()
        await redis.zadd(pending_queue_key(QUEUE_GENERATION), {str(answer.id): datetime.now(UTC).timestamp()})
        await dispatch(tasks, GenerateAnswer(message_id=answer.id))
    except QUEUE_ERRORS as exc:
        await stream.close()
        error = queue_unavailable("your message is saved, please retry shortly.")
        await mark_failed(session, answer.id, error.message)
        raise error from exc
    return stream


async def request_stop(session: AsyncSession, redis: aioredis.Redis, message: Message) -> str:
    """Set the cancel flag the worker checks every step; an answer still in the queue is cancelled here."""
    if message.status not in message_state.ACTIVE:
        return message.status
    await redis.set(cancel_key(JobKind.MESSAGE, message.id), "1", ex=REPLAY_TTL_SECONDS)
    result = await session.execute(
        message_state.move(
            message.id, MessageStatus.CANCELLED, sources=[MessageStatus.PENDING], finished_at=datetime.now(UTC)
        )
    )
    await session.commit()
    if result.rowcount == 1:
        await redis.zrem(pending_queue_key(QUEUE_GENERATION), str(message.id))
        await session.refresh(message)
        public = MessagePublic.model_validate(message).model_dump(mode="json")
        await publish_async(redis, JobKind.MESSAGE, message.id, EventType.DONE, {"message": public})
    return "stopping"
