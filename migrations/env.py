"""Alembic environment: runs migrations with the sync driver for whatever DATABASE_URL the app uses."""

from alembic import context

from app.core.migrations import migration_lock
from app.kernel.db import create_sync_engine
from app.kernel.models import Base
from app.kernel.settings import get_settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


def run_migrations_offline() -> None:
    from app.kernel.db import sync_url

    context.configure(url=sync_url(_url()), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_sync_engine(_url())
    with engine.connect() as connection, migration_lock(connection):
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
