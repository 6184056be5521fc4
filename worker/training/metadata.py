"""`localmind_adapter.json`: what an adapter directory was trained from, how, and how well."""

import json
import os
from pathlib import Path
from typing import Any

ADAPTER_METADATA = "localmind_adapter.json"
FORMAT_VERSION = 1


def write_adapter_metadata(adapter_dir: str | Path, metadata: dict[str, Any]) -> Path:
    """Write atomically, last, so a directory with this file always holds a complete adapter."""
    path = Path(adapter_dir) / ADAPTER_METADATA
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps({"format_version": FORMAT_VERSION} | metadata, indent=2, default=str))
    os.replace(partial, path)
    return path


def read_adapter_metadata(adapter_dir: str | Path) -> dict[str, Any]:
    path = Path(adapter_dir) / ADAPTER_METADATA
    if not path.exists():
        raise FileNotFoundError(f"{adapter_dir} is not a LocalMind adapter (no {ADAPTER_METADATA})")
    return json.loads(path.read_text())
