"""worker/sandbox: each limit ends a hostile target with a readable error, the parent's threads keep running
(the child, not the parent, holds its GIL) and a call costs milliseconds."""

import os
import threading
import time
from contextlib import contextmanager

import pytest

from tests.security import sandbox_targets as targets
from worker.sandbox import ChildFailed, LimitExceeded, Limits, run, stream


@contextmanager
def heartbeat(interval: float = 0.05):
    """A thread ticking every `interval`; yields the list of gaps between its ticks (a GIL stall shows as a gap)."""
    gaps: list[float] = []
    stop = threading.Event()

    def beat() -> None:
        last = time.perf_counter()
        while not stop.wait(interval):
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield gaps
    finally:
        stop.set()
        thread.join()


def test_results_generators_and_errors_cross_the_pipe():
    assert run(targets.add, 2, 3, limits=Limits(wall_s=5)) == 5
    assert list(stream(targets.numbers, 4, limits=Limits(wall_s=5))) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="the target's own error"):
        run(targets.fail, limits=Limits(wall_s=5))


def test_cpu_limit_ends_a_gil_holding_builtin_while_the_parent_keeps_ticking():
    started = time.perf_counter()
    with heartbeat() as gaps, pytest.raises(LimitExceeded) as hit:
        run(targets.gil_holding_round, limits=Limits(wall_s=10, cpu_s=1))
    assert hit.value.limit == "cpu" and str(hit.value) == "used more than 1 s of CPU time"
    assert time.perf_counter() - started < 8
    assert max(gaps) < 0.5, f"the parent's heartbeat stalled for {max(gaps):.2f} s"


def test_wall_clock_limit_kills_the_child_and_everything_it_started(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    started = time.perf_counter()
    with pytest.raises(LimitExceeded, match=r"^took longer than 1 s$"):
        limits = Limits(wall_s=1, processes=None, file_size_mib=1)
        run(targets.sleep_with_grandchild, str(pid_file), limits=limits)
    assert time.perf_counter() - started < 3
    grandchild = int(pid_file.read_text())
    deadline = time.time() + 5
    while _alive(grandchild) and time.time() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild), "the child's own child survived the kill"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_memory_limit():
    with pytest.raises(LimitExceeded, match=r"^used more than 256 MiB of memory$") as hit:
        run(targets.allocate, 1024, limits=Limits(wall_s=5, memory_mib=256))
    assert hit.value.limit == "memory"


def test_file_size_limit(tmp_path):
    with pytest.raises(LimitExceeded, match="wrote a file larger than 1 MiB"):
        run(targets.write_file, str(tmp_path / "big"), 4, limits=Limits(wall_s=5, file_size_mib=1))
    assert (tmp_path / "big").stat().st_size <= 1024 * 1024


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch the child to an unprivileged user")
def test_process_limit_and_unprivileged_user():
    with pytest.raises(BlockingIOError):
        run(targets.fork, limits=Limits(wall_s=5, processes=0, user="nobody"))
    assert run(targets.whoami, limits=Limits(wall_s=5, user="nobody")) != 0


def test_output_limit():
    with pytest.raises(LimitExceeded, match="more than 1 MiB of output"):
        run(targets.big_result, 2, limits=Limits(wall_s=5, max_result_mib=1))


def test_errors_that_cannot_be_rebuilt_arrive_as_child_failed():
    with pytest.raises(ChildFailed, match="cannot be read back"):
        run(targets.raise_unreadable, limits=Limits(wall_s=5))
    with pytest.raises(TypeError, match="pickle"):  # a result that cannot be sent at all
        run(threading.Lock, limits=Limits(wall_s=5))


def test_a_call_costs_milliseconds():
    limits = Limits(wall_s=5)
    run(targets.add, 1, 1, limits=limits)  # the forkserver is started once per process
    started = time.perf_counter()
    for _ in range(20):
        run(targets.add, 1, 1, limits=limits)
    per_call = (time.perf_counter() - started) / 20
    assert per_call < 0.05, f"{per_call * 1000:.1f} ms per call"
