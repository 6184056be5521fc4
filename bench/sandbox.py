"""Cost of running work in the sandbox (worker/sandbox): a no-op call, the calculator and a small document parse,
each in and out of the sandbox, interleaved so both see the same load.

    .venv/bin/python -m bench.sandbox [--rounds 50]
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from worker.agent.tools.calculator import evaluate
from worker.rag.loaders import load, open_document
from worker.sandbox import Limits, run, warm
from worker.sandbox.parent import _noop  # a child imports its target by module: not from __main__

PARSE = Limits(wall_s=60, memory_mib=1024, processes=None)


def _parse(path: Path) -> int:
    return len(list(open_document(path, path.name).sections))


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=50)
    rounds = parser.parse_args().rounds
    warm()
    path = Path(tempfile.mkdtemp()) / "note.md"
    path.write_text("# Title\n\n" + "A short paragraph about pumps and valves.\n\n" * 20)
    cases = {
        "no-op": (_noop, lambda: run(_noop, limits=Limits(wall_s=5))),
        "calculator 17*23+4": (lambda: evaluate("17*23+4"), lambda: run(evaluate, "17*23+4", limits=Limits(wall_s=5))),
        "parse a 1 KB Markdown file": (lambda: _parse(path), lambda: list(load(path, path.name, PARSE).sections)),
    }
    for name, (direct, sandboxed) in cases.items():
        bare, boxed = [], []
        for _ in range(rounds):
            bare.append(_timed(direct))
            boxed.append(_timed(sandboxed))
        b, s = statistics.median(bare), statistics.median(boxed)
        print(f"{name:28s} direct {b:7.2f} ms   sandboxed {s:7.2f} ms   overhead {s - b:6.2f} ms (median of {rounds})")


if __name__ == "__main__":
    main()
