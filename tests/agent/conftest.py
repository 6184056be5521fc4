"""Fixtures for the agent: a demo database per session and fakes for what the generation task injects."""

import hashlib
import sqlite3
from pathlib import Path

import pytest

from worker.agent.sql.database import DEMO_SQL, ensure_demo_db


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    return ensure_demo_db(tmp_path_factory.mktemp("agent") / "demo_sales.db")


@pytest.fixture(scope="session")
def reference_db(tmp_path_factory) -> sqlite3.Connection:
    """An independent in-memory copy built straight from the SQL source, to compute expected figures."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(DEMO_SQL.read_text())
    return conn


HANDBOOK_HITS = [
    {
        "document_id": 7,
        "document_name": "employee-handbook.pdf",
        "page": 12,
        "text": "Full-time employees receive 25 vacation days per calendar year.",
        "score": 0.83,
    },
    {
        "document_id": 7,
        "document_name": "employee-handbook.pdf",
        "page": 13,
        "text": "Unused vacation days can be carried over until March 31.",
        "score": 0.71,
    },
]


class FakeSearch:
    """Stands in for the caller's search, which is already restricted to the user's knowledge bases."""

    def __init__(self, hits=HANDBOOK_HITS):
        self.hits = hits
        self.calls: list[tuple[str, int]] = []

    def __call__(self, query: str, k: int) -> list[dict]:
        self.calls.append((query, k))
        return self.hits[:k]


@pytest.fixture
def fake_search() -> FakeSearch:
    return FakeSearch()


@pytest.fixture(scope="session", autouse=True)
def _warm_sandbox():
    """As the worker does when it starts (worker/celery_app.py): the forkserver's imports (numpy, matplotlib)
    are paid once, not inside the first tool call's deadline."""
    from worker.sandbox import warm

    warm()
