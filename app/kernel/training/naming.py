"""Where fine-tuning files live, shared by the API (uploads) and the training worker (adapters)."""

from pathlib import Path

from app.kernel.settings import Settings

ADAPTER_PREFIX = "ft-"
MERGE_METADATA = "localmind_merge.json"
"""Written last into a merged model directory: its presence means the merge is complete."""
MERGE_STATE_TTL_SECONDS = 24 * 3600
"""How long a merge's queued/running/failed record (Redis `payload:merge:<job id>`) is kept."""


def datasets_dir(settings: Settings) -> Path:
    return settings.uploads_dir / "datasets"


def dataset_path(settings: Settings, stored_name: str) -> Path:
    return datasets_dir(settings) / stored_name


def adapter_name(job_id: int) -> str:
    """The adapter of job 7 is `ft-7`; it is served as model id `<base>+ft-7`."""
    return f"{ADAPTER_PREFIX}{job_id}"


def served_model_id(base_model: str, adapter: str) -> str:
    return f"{base_model}+{adapter}"


def merged_model_dir(settings: Settings, job_id: int) -> Path:
    """Job 7's adapter merged into its base model: `model_store/merged/ft-7`, a plain Hugging Face directory."""
    return settings.model_store_dir / "merged" / adapter_name(job_id)
