"""Alembic owns the schema: upgrade/downgrade both work and the models match the migrations."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from app.core.migrations import downgrade_base, pending_revisions, upgrade_head
from app.kernel.db import create_sync_engine
from app.kernel.models import Base


def test_upgrade_downgrade_and_no_drift(database_url):
    assert pending_revisions(database_url)
    upgrade_head(database_url)
    assert not pending_revisions(database_url)
    engine = create_sync_engine(database_url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        downgrade_base(database_url)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
