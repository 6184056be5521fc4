"""Trained LoRA adapters on disk and who may use them: an adapter belongs to the user whose job trained it."""

import json
from dataclasses import dataclass
from pathlib import Path

from app.kernel.models import User
from app.kernel.registry.registry import ADAPTER_SEPARATOR, adapter_name_problem, get_registry

ADAPTER_META = "localmind_adapter.json"


@dataclass(frozen=True)
class TrainedAdapter:
    base: str
    name: str
    path: Path
    owner_id: int | None

    @property
    def model_id(self) -> str:
        return f"{self.base}{ADAPTER_SEPARATOR}{self.name}"

    def usable_by(self, user: User) -> bool:
        """Adapters placed by an operator (no owner) serve everyone; trained ones their owner and admins."""
        return self.owner_id is None or self.owner_id == user.id or user.role == "admin"


def _read(meta: Path) -> TrainedAdapter | None:
    try:
        data = json.loads(meta.read_text())
    except (OSError, ValueError):
        return None
    base = data.get("base_model_id") or data.get("base_model")
    return TrainedAdapter(base, meta.parent.name, meta.parent, data.get("owner_id")) if base else None


def trained_adapters(adapters_dir: Path) -> list[TrainedAdapter]:
    """Complete adapters (their metadata is written last) whose base model is in the registry."""
    ids = set(get_registry().ids())
    found = (_read(meta) for meta in sorted(adapters_dir.glob(f"*/{ADAPTER_META}")))
    return [adapter for adapter in found if adapter is not None and adapter.base in ids]


def adapter_for(adapters_dir: Path, model_id: str) -> TrainedAdapter | None:
    """The adapter `<base>+<name>` names; None for a base id and for a name that is not a plain directory name."""
    _, _, name = model_id.partition(ADAPTER_SEPARATOR)
    if not name or adapter_name_problem(name):
        return None
    return _read(adapters_dir / name / ADAPTER_META)
