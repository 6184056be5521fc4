"""The typed task contract: every task the API can send has a payload type, and a worker task of the same name."""

import pytest
from pydantic import ValidationError

from app.kernel.contracts import TASK_QUEUES, EventType
from app.kernel.event_types import JOB_EVENT, TokenEvent, validate_event_data
from app.kernel.tasks import PAYLOADS, DeleteDocument, GenerateAnswer


def test_every_task_name_has_a_payload_and_a_worker_task():
    from worker.celery_app import celery_app

    celery_app.loader.import_default_modules()
    assert set(PAYLOADS) == set(TASK_QUEUES)
    registered = {name for name in celery_app.tasks if not name.startswith("celery.")}
    assert set(PAYLOADS) <= registered


def test_a_worker_task_validates_its_payload():
    from worker.celery_app import celery_app

    celery_app.loader.import_default_modules()
    health = celery_app.tasks["system.health"]
    assert health.run() == "ok"
    with pytest.raises(ValidationError, match="unexpected"):
        health.run(unexpected=1)


def test_payloads_are_strict_and_carry_their_queue():
    assert GenerateAnswer(message_id=3).model_dump() == {"message_id": 3, "request_id": "-"}
    assert GenerateAnswer.queue() == "generation" and DeleteDocument.queue() == "indexing"
    with pytest.raises(ValidationError):
        GenerateAnswer(message_id="three")
    with pytest.raises(ValidationError):
        GenerateAnswer(message_id=1, extra=True)


async def test_published_events_are_typed_and_in_openapi(client):
    """A worker cannot publish a misnamed field, and the SSE routes document the JobEvent union."""
    with pytest.raises(ValidationError):
        validate_event_data(EventType.TOKEN, {"txt": "hello"})
    with pytest.raises(ValidationError):
        validate_event_data(EventType.ERROR, {"code": "x"})
    validate_event_data(EventType.PROGRESS, {"stage": "embedding", "done": 3, "total": 9})
    event = JOB_EVENT.validate_python({"seq": 4, "type": "token", "data": {"text": "hi"}})
    assert isinstance(event, TokenEvent)

    schema = (await client.get("/openapi.json")).json()
    assert {"JobEvent", "TokenEvent", "DoneData"} <= set(schema["components"]["schemas"])
    events_route = schema["paths"]["/api/v1/messages/{message_id}/events"]["get"]["responses"]["200"]["content"]
    assert events_route["text/event-stream"]["schema"] == {"$ref": "#/components/schemas/JobEvent"}
