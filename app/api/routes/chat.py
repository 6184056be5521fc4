from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from app.api.deps import CurrentUser, EventsDep, ObjectId, RedisDep, SessionDep, SettingsDep
from app.core.admission import Kind, admit
from app.events.answers import answer_events, is_final, stored_final_event
from app.events.relay import SSE_DOC, JobEventStream, just, sse_response, subscribe_unless_expired
from app.kernel.models import Message
from app.kernel.schemas.chat import MessageCreate, RegenerateRequest
from app.kernel.schemas.conversation import MessagePublic
from app.services import chat, conversations


class StopResult(BaseModel):
    status: str = Field(description="The answer's status after the request (`cancelled` at once while still queued)")


router = APIRouter(tags=["chat"])


async def _respond(request: Request, answer: Message, stream: JobEventStream, as_stream: bool, first: list[dict]):
    app = request.app
    events = answer_events(app, stream, answer.id, first=first)
    if as_stream:
        return sse_response(events, app.state.settings.sse_heartbeat_seconds)
    async for _event in events:
        pass
    async with app.state.sessionmaker() as session:
        final = await session.get(Message, answer.id)
        return MessagePublic.model_validate(final)


@router.post(
    "/conversations/{conversation_id}/messages",
    responses=SSE_DOC,
    response_model=MessagePublic,
    dependencies=[admit(Kind.GENERATION)],
)
async def post_message(
    conversation_id: ObjectId,
    body: MessageCreate,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
):
    """Ask a question. Streams `status`, `token`, ..., `done`|`error` as SSE (default) or returns the answer."""
    conversation = await conversations.get_owned(session, user, conversation_id)
    question, answer = await chat.create_exchange(session, settings, user, conversation, body)
    stream = await chat.start_generation(session, redis, request.app.state.tasks, answer)
    first = [
        {
            "type": "status",
            "data": {
                "state": "queued",
                "user_message_id": question.id,
                "assistant_message_id": answer.id,
                "model": answer.model,
            },
        }
    ]
    return await _respond(request, answer, stream, body.stream, first)


@router.post(
    "/messages/{message_id}/regenerate",
    responses=SSE_DOC,
    response_model=MessagePublic,
    dependencies=[admit(Kind.GENERATION)],
)
async def regenerate(
    message_id: ObjectId,
    body: RegenerateRequest,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    redis: RedisDep,
):
    """A new sibling answer to the same question; the earlier answer is kept."""
    previous = await chat.get_owned_message(session, user, message_id)
    answer = await chat.create_regeneration(session, user, previous, body.model, body.params)
    stream = await chat.start_generation(session, redis, request.app.state.tasks, answer)
    first = [
        {
            "type": "status",
            "data": {
                "state": "queued",
                "user_message_id": answer.parent_id,
                "assistant_message_id": answer.id,
                "model": answer.model,
            },
        }
    ]
    return await _respond(request, answer, stream, body.stream, first)


@router.get("/messages/{message_id}", response_model=MessagePublic)
async def get_message(message_id: ObjectId, user: CurrentUser, session: SessionDep):
    return await chat.get_owned_message(session, user, message_id)


@router.get("/messages/{message_id}/events", responses=SSE_DOC, response_model=None)
async def message_events(message_id: ObjectId, sse: EventsDep):
    """Resume an answer's events after `Last-Event-ID`; a finished answer whose events expired is sent whole."""
    message = await chat.get_owned_message(sse.session, sse.user, message_id)
    stream = await subscribe_unless_expired(sse.redis, "message", message.id, is_final(message))
    if stream is None:
        return sse.respond(just(stored_final_event(message)))
    return sse.respond(answer_events(sse.request.app, stream, message.id, sse.after))


@router.post(
    "/messages/{message_id}/stop",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=StopResult,
    dependencies=[admit(Kind.FREE)],
)
async def stop_message(message_id: ObjectId, user: CurrentUser, session: SessionDep, redis: RedisDep):
    """Stop an answer; the worker stops within a step and keeps the partial text as `cancelled`."""
    message = await chat.get_owned_message(session, user, message_id)
    return {"status": await chat.request_stop(session, redis, message)}
