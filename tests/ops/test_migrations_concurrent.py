"""Three `alembic upgrade head` at once on one PostgreSQL database (API pods starting together) all succeed, and
the schema ends at head once: the advisory lock in migrations/env.py lets one upgrade at a time."""

import os
import subprocess
from pathlib import Path

from sqlalchemy import text

from app.core.migrations import pending_revisions
from app.kernel.db import create_sync_engine
from tests.conftest import _create_postgres_database, _drop_postgres_database

REPO = Path(__file__).resolve().parents[2]
ALEMBIC = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin" / "alembic"


def test_three_concurrent_upgrades_on_postgresql():
    url = _create_postgres_database()
    try:
        env = {**os.environ, "DATABASE_URL": url}
        procs = [
            subprocess.Popen([str(ALEMBIC), "upgrade", "head"], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
            for _ in range(3)
        ]
        results = [(proc.wait(120), proc.stderr.read()) for proc in procs if proc.stderr]
        assert [code for code, _ in results] == [0, 0, 0], "\n".join(err[-2000:] for _, err in results)
        assert not pending_revisions(url)
        engine = create_sync_engine(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        engine.dispose()
    finally:
        _drop_postgres_database(url)
