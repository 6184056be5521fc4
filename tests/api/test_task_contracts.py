"""The typed task contract: every task the API can send has a payload type, and a worker task of the same name."""

import pytest
from pydantic import ValidationError

from app.kernel.contracts import TASK_QUEUES
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
