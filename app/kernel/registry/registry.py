"""The model registry: the checked-in catalogue plus entries added at runtime, and `<base>+<adapter>` ids."""

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from loguru import logger
from pydantic import ValidationError

from app.kernel.process_wide import process_wide
from app.kernel.registry.errors import UnknownModelError
from app.kernel.registry.spec import ModelSpec
from app.kernel.settings import get_settings

CATALOG_PATH = Path(__file__).with_name("catalog.yaml")
ADAPTER_SEPARATOR = "+"
ADAPTER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
"""An adapter is a directory name under the adapters directory: no dots, no separators, so never a path."""


def adapter_name_problem(name: str) -> str | None:
    """Why `name` cannot name an adapter (checked before any file system access), or None."""
    if ADAPTER_NAME.fullmatch(name):
        return None
    return f"invalid adapter name {name[:100]!r}: use 1-100 letters, digits, '_' or '-'"


@dataclass(frozen=True)
class ResolvedModel:
    """A servable model: the base spec and, for `<base>+<adapter>` ids, the LoRA adapter to apply."""

    model_id: str
    spec: ModelSpec
    adapter_name: str | None = None
    adapter_dir: Path | None = None


class ModelRegistry:
    """Thread-safe id → spec map; runtime entries (admin-added) override catalogue entries of the same id."""

    def __init__(self, catalog_path: Path | None = CATALOG_PATH, adapters_dir: Path | None = None):
        self._lock = threading.Lock()
        self._specs: dict[str, ModelSpec] = {}
        self._adapters_dir = adapters_dir
        if catalog_path is not None:
            for entry in yaml.safe_load(catalog_path.read_text())["models"]:
                spec = ModelSpec(**entry)
                self._specs[spec.id] = spec

    @property
    def adapters_dir(self) -> Path:
        return self._adapters_dir or get_settings().adapters_dir

    def add(self, spec: ModelSpec) -> None:
        with self._lock:
            self._specs[spec.id] = spec

    def add_stored(self, entries: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """Add admin entries as stored (id, spec fields); an invalid one is logged and skipped. Returns how many."""
        applied = 0
        for entry_id, fields in entries:
            try:
                self.add(ModelSpec(**fields))
                applied += 1
            except ValidationError as exc:
                logger.warning("model entry {} is invalid and was skipped: {}", entry_id, exc)
        return applied

    def knows(self, model_id: str) -> bool:
        """Whether the base of `model_id` (`<base>+<adapter>` too) has an entry."""
        with self._lock:
            return model_id.partition(ADAPTER_SEPARATOR)[0] in self._specs

    def remove(self, model_id: str) -> None:
        with self._lock:
            self._specs.pop(model_id, None)

    def ids(self) -> list[str]:
        with self._lock:
            return sorted(self._specs)

    def specs(self) -> list[ModelSpec]:
        with self._lock:
            return [self._specs[k] for k in sorted(self._specs)]

    def get(self, model_id: str) -> ModelSpec:
        with self._lock:
            spec = self._specs.get(model_id)
        if spec is None:
            raise UnknownModelError(f"unknown model {model_id!r}; available models: {', '.join(self.ids())}")
        return spec

    def resolve(self, model_id: str) -> ResolvedModel:
        """Look up `model_id`; `<base>+<adapter>` also checks that the adapter directory exists."""
        base_id, _, adapter = model_id.partition(ADAPTER_SEPARATOR)
        spec = self.get(base_id)
        if not adapter:
            return ResolvedModel(model_id, spec)
        if problem := adapter_name_problem(adapter):
            raise UnknownModelError(problem)
        if spec.backend != "transformers":
            raise UnknownModelError(f"model {base_id!r} uses the {spec.backend} backend; adapters need transformers")
        adapter_dir = self.adapters_dir / adapter
        if not (adapter_dir / "adapter_config.json").is_file():
            # Neither the server path nor the other adapters: they may be other users' (GET /v1/models lists yours).
            raise UnknownModelError(f"adapter {adapter!r} for {base_id!r} not found; GET /v1/models lists yours")
        return ResolvedModel(model_id, spec, adapter, adapter_dir)


_registry = process_wide(ModelRegistry)


def get_registry() -> ModelRegistry:
    """The process-wide registry (catalogue + runtime additions)."""
    return _registry()
