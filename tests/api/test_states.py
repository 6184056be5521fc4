"""Statuses are enums the database enforces, and each entity's lifecycle refuses transitions it does not allow."""

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.migrations import upgrade_head
from app.kernel.db import create_sync_engine
from app.kernel.models import Dataset, FinetuneJob, User
from app.kernel.states import document, finetune_job, message
from app.kernel.states.message import MessageStatus


def test_lifecycles_name_every_status_and_end_in_final_states():
    for entity in (message, document, finetune_job):
        statuses = set(type(next(iter(entity.FINAL))))
        assert entity.ACTIVE | entity.FINAL <= statuses
        for final in entity.FINAL:
            for status in statuses:
                # a final state only ever goes back to the start (a document re-queued), never sideways
                assert not entity.LIFECYCLE.allows(final, status) or status not in entity.FINAL | entity.ACTIVE


def test_move_builds_a_conditional_update_and_refuses_an_illegal_step():
    statement = message.move(7, MessageStatus.STREAMING, sources=[MessageStatus.PENDING])
    sql = str(statement.compile(compile_kwargs={"literal_binds": True}))
    assert "messages.status IN ('pending')" in sql and "status='streaming'" in sql.replace(" = ", "=")
    with pytest.raises(ValueError, match="no transition"):
        message.move(7, MessageStatus.PENDING, sources=[MessageStatus.DONE])
    with pytest.raises(ValueError, match="no transition"):
        finetune_job.move(7, finetune_job.JobStatus.QUEUED)


def test_database_rejects_a_status_outside_the_enum(database_url):
    upgrade_head(database_url)
    engine = create_sync_engine(database_url)
    try:
        with Session(engine) as session:
            user = User(username="u", email="u@example.com", password_hash="x")
            session.add(user)
            session.flush()
            dataset = Dataset(owner_id=user.id, name="d", stored_name="s", format="chat", count=1)
            session.add(dataset)
            session.flush()
            session.add(FinetuneJob(owner_id=user.id, dataset_id=dataset.id, base_model="m", method="lora"))
            session.flush()  # a status from the enum (the default) is stored
            session.add(
                FinetuneJob(owner_id=user.id, dataset_id=dataset.id, base_model="m", method="lora", status="exploded")
            )
            with pytest.raises(IntegrityError, match="(?i)check"):
                session.flush()
    finally:
        engine.dispose()
