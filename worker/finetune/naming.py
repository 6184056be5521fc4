"""Where fine-tuning files live, shared by the API (uploads) and the training worker (adapters)."""

from pathlib import Path

from app.core.config import Settings

ADAPTER_PREFIX = "ft-"


def datasets_dir(settings: Settings) -> Path:
    return settings.uploads_dir / "datasets"


def dataset_path(settings: Settings, stored_name: str) -> Path:
    return datasets_dir(settings) / stored_name


def adapter_name(job_id: int) -> str:
    """The adapter of job 7 is `ft-7`; it is served as model id `<base>+ft-7`."""
    return f"{ADAPTER_PREFIX}{job_id}"


def served_model_id(base_model: str, adapter: str) -> str:
    return f"{base_model}+{adapter}"
