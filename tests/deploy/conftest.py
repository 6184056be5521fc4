"""Helpers for the deployment tests: repository paths and cached `kubectl kustomize` renders."""

import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ("dev", "gpu")


def kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        pytest.fail(
            "kubectl is not installed; the deployment tests render the Kustomize overlays with it "
            "(Debian: apt-get update && apt-get install -y kubernetes-client)",
            pytrace=False,
        )
    return path


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
