"""Run or check `alembic upgrade head` from code (startup, CLI, tests), once at a time per database."""

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from app.kernel.db import create_sync_engine
from app.kernel.settings import PROJECT_ROOT

MIGRATION_LOCK_ID = 0x4C4D_4D49_4752
"""PostgreSQL advisory lock key ("LMMIGR") held while migrations run (migrations/env.py)."""


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """Serialize migrations on PostgreSQL: API pods or init containers starting together upgrade one at a time,
    and the later ones find the schema at head (3 concurrent upgrades gave a UniqueViolation without it).

    A session-level lock, committed at once, so alembic still runs each migration in a transaction of its own.
    SQLite needs none: its write lock already serializes the upgrade."""
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_ID})
    connection.commit()
    try:
        yield
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_ID})
        connection.commit()


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    return config


def upgrade_head(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


def downgrade_base(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "base")


def pending_revisions(database_url: str) -> bool:
    """True when the database is not at the newest migration."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    engine = create_sync_engine(database_url)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    return current != set(script.get_heads())
