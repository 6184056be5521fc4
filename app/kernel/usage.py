"""Token usage per user and UTC day (table `token_usage`): written by the workers when an answer finishes, read by
the API's quota check (app/services/quota.py)."""

from datetime import UTC, date, datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.kernel.models import TokenUsage


def today() -> date:
    return datetime.now(UTC).date()


def record_usage(session: Session, user_id: int, prompt_tokens: int, completion_tokens: int) -> None:
    """Add one answer's tokens to today's row (an atomic upsert); the caller commits."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(TokenUsage).values(
        user_id=user_id, day=today(), prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[TokenUsage.user_id, TokenUsage.day],
            set_={
                "prompt_tokens": TokenUsage.prompt_tokens + statement.excluded.prompt_tokens,
                "completion_tokens": TokenUsage.completion_tokens + statement.excluded.completion_tokens,
            },
        )
    )
