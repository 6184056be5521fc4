"""The API's entry point: `python -m app.serve [uvicorn options]` (start_all.sh runs it with `--workers N`).

It prepares PROMETHEUS_MULTIPROC_DIR, so that /metrics sums the samples of every API process (app/core/metrics.py),
and empties it of a previous run's files (stale live gauges, counters of another run), then becomes uvicorn: the
same PID, so PID files and the process group start_all.sh records stay valid.
"""

import os
import sys
import tempfile
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus_client reads it when first imported, hence no import of app code here."""


def prepare_multiproc_dir(directory: Path) -> Path:
    """Create the folder and remove the metric files (`*.db`) left there; nothing else in it is touched."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink(missing_ok=True)
    return directory


def main(argv: list[str]) -> None:
    default = Path(tempfile.gettempdir()) / f"localmind-metrics-{os.getpid()}"
    directory = prepare_multiproc_dir(Path(os.environ.get(MULTIPROC_ENV) or default))
    os.environ[MULTIPROC_ENV] = str(directory)
    command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", *argv]
    os.execv(sys.executable, command)


if __name__ == "__main__":
    main(sys.argv[1:])
