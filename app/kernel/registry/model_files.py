"""What is on disk for each registry entry: where its weights live, their size, whether they can load.

Torch-free (the API lists models with it); pulling and converting weights is the worker's (worker/engine/store.py).
"""

from dataclasses import dataclass
from pathlib import Path

from app.kernel.registry.registry import ModelRegistry, get_registry
from app.kernel.registry.spec import ModelSpec
from app.kernel.settings import get_settings

WEIGHT_SUFFIXES = (".safetensors", ".bin")


@dataclass(frozen=True)
class ModelInfo:
    id: str
    display_name: str
    backend: str
    source: str
    path: str | None
    present: bool
    size_bytes: int
    loadable: bool


def model_dir(spec: ModelSpec, models_dir: Path | None = None) -> Path:
    """Where the weights of `spec` live: in place for `dir:` sources, else `models_dir/<id>`."""
    return spec.local_dir or (models_dir or get_settings().models_dir) / spec.id


def is_loadable_dir(path: Path) -> bool:
    """A Hugging Face model directory: config plus weights."""
    if not (path / "config.json").is_file():
        return False
    return any(p.suffix in WEIGHT_SUFFIXES for p in path.iterdir())


def weights_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir() if p.suffix in WEIGHT_SUFFIXES)


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def describe_models(registry: ModelRegistry | None = None, models_dir: Path | None = None) -> list[ModelInfo]:
    """Every registry entry with whether its weights are on disk, their size, and whether they can load."""
    infos = []
    for spec in (registry or get_registry()).specs():
        if spec.backend == "openai":
            infos.append(ModelInfo(spec.id, spec.display_name, spec.backend, spec.base_url or "", None, False, 0, True))
            continue
        path = model_dir(spec, models_dir)
        present = path.is_dir()
        infos.append(
            ModelInfo(
                spec.id,
                spec.display_name,
                spec.backend,
                spec.source,
                str(path),
                present,
                dir_size(path),
                present and is_loadable_dir(path),
            )
        )
    return infos
