"""Where LocalMind leans on a library's private parts, this fails loudly when the library changes underneath.

Each patch below was measured and is covered by behaviour tests; those may still pass by luck after an upgrade
(a private method renamed, so our override is silently never called). So every patched library is pinned here
to the version the patch was written against, and the private members it uses must exist. After an upgrade:
re-read the patch against the new source, re-run its behaviour tests, then update the version here.
"""

import inspect
from importlib.metadata import version

import pytest

PATCHES = {
    # library: (pinned version, the patch, its behaviour tests)
    "sqlalchemy": ("2.1.9", "app/core/sqlite_driver.py, SqliteWriteGate in app/core/db.py", "tests/api/test_sqlite_*"),
    "sse-starlette": ("3.7.0", "app/events/relay.py:_FrameResponse", "tests/api/test_event_relay.py"),
    "redis": ("8.1.0", "app/events/hub.py (reads its pub/sub connection directly)", "tests/api/test_event_hub.py"),
    "bm25s": ("0.3.16", "worker/rag/bm25.py (bm25s' private scorer selection)", "tests/rag/test_bm25*.py"),
}


@pytest.mark.parametrize("library", sorted(PATCHES))
def test_patched_library_is_the_version_the_patch_was_written_for(library):
    pinned, patch, tests = PATCHES[library]
    assert version(library) == pinned, (
        f"{library} is {version(library)}, but {patch} was written against {pinned}: re-read it against the new "
        f"source, run {tests}, then update PATCHES in {__file__}"
    )


def test_sqlalchemy_aiosqlite_adapter_members_the_one_trip_driver_overrides():
    from sqlalchemy.dialects.sqlite import aiosqlite
    from sqlalchemy.dialects.sqlite.base import SQLiteDialect

    cursor, connection = aiosqlite.AsyncAdapt_aiosqlite_cursor, aiosqlite.AsyncAdapt_aiosqlite_connection
    for name in ("_execute_async", "_executemany_async", "__init__"):
        assert hasattr(cursor, name), f"AsyncAdapt_aiosqlite_cursor.{name} is gone: app/core/sqlite_driver.py"
    assert hasattr(connection, "_cursor_cls") and hasattr(connection, "rollback")
    assert hasattr(aiosqlite.AsyncAdapt_aiosqlite_dbapi, "connect")
    assert hasattr(SQLiteDialect, "do_commit") and hasattr(SQLiteDialect, "do_rollback"), "SqliteWriteGate"


def test_sse_starlette_stream_response_the_frame_response_overrides():
    from sse_starlette.sse import EventSourceResponse

    method = getattr(EventSourceResponse, "_stream_response", None)
    assert method is not None, "EventSourceResponse._stream_response is gone: app/events/relay.py:_FrameResponse"
    assert list(inspect.signature(method).parameters) == ["self", "send"]


def test_redis_connection_reader_the_event_hub_uses():
    from redis.asyncio.connection import AbstractConnection

    parameters = inspect.signature(AbstractConnection.read_response).parameters
    for name in ("timeout", "disconnect_on_error", "push_request"):
        assert name in parameters, f"redis Connection.read_response lost `{name}`: app/events/hub.py"
    assert hasattr(AbstractConnection, "register_connect_callback")


def test_bm25s_private_scorer_selection():
    from bm25s import scoring

    for name in ("_select_idf_scorer", "_select_tfc_scorer"):
        assert callable(getattr(scoring, name, None)), f"bm25s.scoring.{name} is gone: worker/rag/bm25.py"
