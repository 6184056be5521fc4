from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app.api.deps import ContextDep, CurrentUser, EventsDep, ObjectId, RedisDep, SessionDep
from app.api.route_options import accepted
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


# A new answer: SSE (default) or, with `stream: false`, the final message as JSON.
ANSWER_ROUTE: dict[str, Any] = {
    "responses": SSE_DOC,
    "response_model": MessagePublic,
    "dependencies": [admit(Kind.GENERATION)],
}


async def _respond(request: Request, answer: Message, stream: JobEventStream, as_stream: bool):
    """A new answer's events, led by its queued status with both message ids, or its final state as JSON."""
    app = request.app
    queued = {
        "state": "queued",
        "user_message_id": answer.parent_id,
        "assistant_message_id": answer.id,
        "model": answer.model,
    }
    events = answer_events(app, stream, answer.id, first=[{"type": "status", "data": queued}])
    if as_stream:
        return sse_response(events, app.state.settings.sse_heartbeat_seconds)
    async for _event in events:
        pass
    async with app.state.sessionmaker() as session:
        final = await session.get(Message, answer.id)
        return MessagePublic.model_validate(final)


@router.post("/conversations/{conversation_id}/messages", **ANSWER_ROUTE)
async def post_message(conversation_id: ObjectId, body: MessageCreate, ctx: ContextDep):
    """Ask a question. Streams `status`, `token`, ..., `done`|`error` as SSE (default) or returns the answer."""
    conversation = await conversations.get_owned(ctx.session, ctx.user, conversation_id)
    _question, answer = await chat.create_exchange(ctx.session, ctx.settings, ctx.user, conversation, body)
    stream = await chat.start_generation(ctx.session, ctx.redis, ctx.tasks, answer)
    return await _respond(ctx.request, answer, stream, body.stream)


@router.post("/messages/{message_id}/regenerate", **ANSWER_ROUTE)
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
    return await _respond(request, answer, stream, body.stream)


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


@router.post("/messages/{message_id}/stop", **accepted(StopResult))
async def stop_message(message_id: ObjectId, user: CurrentUser, session: SessionDep, redis: RedisDep):
    """Stop an answer; the worker stops within a step and keeps the partial text as `cancelled`."""
    message = await chat.get_owned_message(session, user, message_id)
    return {"status": await chat.request_stop(session, redis, message)}
