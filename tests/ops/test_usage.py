"""`record_usage` (called by the generation worker) adds up per user and UTC day on both databases."""

from sqlalchemy import select

from app.core.migrations import upgrade_head
from app.kernel.db import sync_session_factory
from app.kernel.models import TokenUsage, User
from app.kernel.usage import record_usage, today


def test_record_usage_upserts(database_url):
    upgrade_head(database_url)
    sessions = sync_session_factory(database_url)
    with sessions() as session:
        users = [User(username=name, email=f"{name}@x.io", password_hash="-") for name in ("a", "b")]
        session.add_all(users)
        session.commit()
        record_usage(session, users[0].id, 10, 5)
        record_usage(session, users[0].id, 1, 2)
        record_usage(session, users[1].id, 7, 0)
        session.commit()
        rows = session.execute(
            select(TokenUsage.user_id, TokenUsage.day, TokenUsage.prompt_tokens, TokenUsage.completion_tokens).order_by(
                TokenUsage.user_id
            )
        ).all()
    assert [tuple(r) for r in rows] == [(users[0].id, today(), 11, 7), (users[1].id, today(), 7, 0)]
