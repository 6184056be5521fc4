"""Demo database build and read-only query execution with row and time limits."""

import os
import sqlite3
import threading
import time
from pathlib import Path

from worker.agent.sql.guard import SAFE_FUNCTIONS

DEMO_SQL = Path(__file__).resolve().parents[1] / "data" / "demo_sales.sql"
MAX_VALUE_BYTES = 1_000_000

_build_lock = threading.Lock()
_ALLOWED_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE}


class QueryError(Exception):
    pass


def default_db_path() -> Path:
    from app.kernel.settings import get_settings

    return get_settings().model_store_dir / "demo_sales.db"


def ensure_demo_db(path: Path) -> Path:
    """Build the demo database from its SQL source once; atomic, so no worker sees half a file."""
    with _build_lock:
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        conn = sqlite3.connect(tmp)
        try:
            conn.executescript(DEMO_SQL.read_text())
            conn.commit()
        finally:
            conn.close()
        os.replace(tmp, path)
        return path


def _authorize(action: int, arg1, arg2, db_name, trigger) -> int:
    """Second line of defence after the parser: reads and whitelisted functions only."""
    if action in _ALLOWED_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in SAFE_FUNCTIONS:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def read_only_query(path: Path, sql: str, max_rows: int = 50, time_limit_s: float = 3.0):
    """Run `sql` on a read-only connection; return (columns, rows, truncated)."""
    if not path.exists():
        raise QueryError(f"database {path.name} does not exist")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA query_only=ON")
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        conn.set_authorizer(_authorize)
        deadline = time.monotonic() + time_limit_s
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 1000)
        try:
            cursor = conn.execute(sql)
            rows = cursor.fetchmany(max_rows + 1)
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise QueryError(f"query exceeded the {time_limit_s:g}s time limit") from exc
            raise QueryError(str(exc)) from exc
        except sqlite3.DatabaseError as exc:
            raise QueryError(str(exc)) from exc
        columns = [d[0] for d in cursor.description or ()]
        return columns, rows[:max_rows], len(rows) > max_rows
    finally:
        conn.close()


def table_schema(path: Path) -> str:
    """CREATE statements of the database's tables, shown to the model that writes SQL."""
    sql = "SELECT sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
    _, rows, _ = read_only_query(path, sql, 100)
    return "\n\n".join(r[0] for r in rows if r[0])


def distinct_values(path: Path, table: str, column: str) -> list[str]:
    """Known values of a text column (identifiers come from our own templates, never from users)."""
    _, rows, _ = read_only_query(path, f"SELECT DISTINCT {column} FROM {table} ORDER BY 1", 200)
    return [str(r[0]) for r in rows if r[0] is not None]
