"""Token usage per user and UTC day (table `token_usage`): written by the workers when an answer finishes, read by
the API's quota check (app/services/quota.py)."""

from datetime import UTC, date, datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from app.kernel.models import TokenUsage


def today() -> date:
    return datetime.now(UTC).date()


def usage_upsert(dialect: str, user_id: int, prompt_tokens: int, completion_tokens: int) -> Insert:
    """The atomic upsert that adds tokens to today's row, for a sync (workers) or async (API) session."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(TokenUsage).values(
        user_id=user_id, day=today(), prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
    )
    return statement.on_conflict_do_update(
        index_elements=[TokenUsage.user_id, TokenUsage.day],
        set_={
            "prompt_tokens": TokenUsage.prompt_tokens + statement.excluded.prompt_tokens,
            "completion_tokens": TokenUsage.completion_tokens + statement.excluded.completion_tokens,
        },
    )


def record_usage(session: Session, user_id: int, prompt_tokens: int, completion_tokens: int) -> None:
    """Add one answer's tokens to today's row; the caller commits."""
    session.execute(usage_upsert(session.get_bind().dialect.name, user_id, prompt_tokens, completion_tokens))
