"""Start a sandboxed child from the forkserver, wait on its pipe with a deadline, kill its process group.

The forkserver is a clean process started once (no threads, no torch, no CUDA); each call forks a child from
it, so a call costs a few milliseconds rather than an interpreter start. PRELOAD is what the server imports
once, so children start with the parsers and the calculator already loaded.
"""

import io
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.context import ForkServerProcess
from typing import Any

from worker.sandbox import child
from worker.sandbox.errors import ChildCrashed, ChildFailed, LimitExceeded
from worker.sandbox.limits import MIB, Limits

PRELOAD = [
    "worker.sandbox.child",
    "worker.agent.tools.calculator",
    "worker.agent.tools.python_tool",
    "worker.agent.tools.figures",  # matplotlib on Agg, fonts read: snippets plot without touching the disk
    "worker.rag.loaders",
    "docx",
    "pdfplumber",
    # What the python tool's snippets import most; preloaded they cost nothing, and an unprivileged child may
    # not be able to read the interpreter's files (a pyenv build under /root).
    *"numpy numpy.random numpy.linalg statistics json csv decimal fractions random datetime collections".split(),
    *"itertools functools math".split(),
    *"re string textwrap heapq bisect operator dataclasses calendar pprint encodings.idna".split(),
]
POLL_SLICE_S = 0.25  # the waiting thread wakes this often, so a task's soft time limit can reach it
_start_lock = threading.Lock()
_server_lock = threading.Lock()
_servers: dict[int, forkserver.ForkServer] = {}


def _server() -> forkserver.ForkServer:
    """This process's own forkserver: one inherited through fork (a prefork pool child) is not ours to use."""
    with _server_lock:
        server = _servers.get(os.getpid())
        if server is None:
            server = forkserver.ForkServer()
            server.set_forkserver_preload(PRELOAD)
            _servers.clear()
            _servers[os.getpid()] = server
        return server


_warm_lock = threading.Lock()
_warm_pids: set[int] = set()


def warm() -> None:
    """Start this process's forkserver and wait until its imports are done, so the first real call is as fast as
    the rest. Once per process: later calls return at once, and a call made while another warms up waits for it."""
    with _warm_lock:
        if os.getpid() not in _warm_pids:
            run(_noop, limits=Limits(wall_s=30))
            _warm_pids.add(os.getpid())


def _noop() -> None:
    return None


class _Popen(popen_forkserver.Popen):
    """The forkserver launch, minus the main module: targets live in importable modules, and re-running the
    worker's `__main__` (the celery script, pytest) in every child would cost time and could run a script twice."""

    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_path", None)
        prep_data.pop("init_main_from_name", None)
        prep_data["authkey"] = bytes(prep_data["authkey"])  # a pool process's is billiard's type (see start)
        buf = io.BytesIO()
        popen_forkserver.set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            popen_forkserver.set_spawning_popen(None)
        self.sentinel, w = _server().connect_to_new_process(self._fds)
        parent_w = os.dup(w)  # the child's sentinel of this parent, as in the standard launch
        self.finalizer = util.Finalize(self, util.close_fds, (parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Process(ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> _Popen:
        return _Popen(process_obj)

    def start(self) -> None:
        """BaseProcess.start without its "daemonic processes are not allowed to have children": Celery's prefork
        pool processes are daemonic (and their own children would inherit the flag). That rule keeps a daemon's
        children from being orphaned; a sandbox child is the forkserver's child, not ours, and dies at its CPU
        limit and deadline (or with the forkserver, which exits with this process)."""
        assert self._popen is None, "cannot start a process twice"
        # In a pool process the inherited authkey is billiard's type, which refuses to pickle for multiprocessing.
        self._config["authkey"] = multiprocessing.process.AuthenticationString(bytes(self._config["authkey"]))
        self._config.pop("daemon", None)
        multiprocessing.process._cleanup()  # type: ignore[attr-defined]
        self._popen = self._Popen(self)
        self._sentinel = self._popen.sentinel
        del self._target, self._args, self._kwargs  # type: ignore[attr-defined]  # as the original does
        multiprocessing.process._children.add(self)  # type: ignore[attr-defined]


def run(target: Callable[..., Any], *args: Any, limits: Limits) -> Any:
    """`target(*args)` in a sandboxed child; its exception is re-raised here, a hit limit is `LimitExceeded`."""
    with _Child(target, args, limits, streaming=False) as proc:
        _, value = proc.receive()
        return value


def stream(target: Callable[..., Any], *args: Any, limits: Limits) -> Iterator[Any]:
    """Items of the generator `target(*args)` as the child yields them; limits cover the whole run.

    Closing the iterator early (or an exception in the consumer) kills the child.
    """
    with _Child(target, args, limits, streaming=True) as proc:
        while True:
            kind, value = proc.receive()
            if kind == "done":
                return
            yield value


class _Child:
    def __init__(self, target: Callable[..., Any], args: tuple, limits: Limits, streaming: bool):
        self.limits = limits
        self._received = 0
        self._closed = False
        self._conn, child_conn = multiprocessing.Pipe(duplex=False)
        self._process = _Process(
            target=child.main, args=(child_conn, target, args, limits, streaming), name="sandbox", daemon=True
        )
        with _start_lock:  # multiprocessing's bookkeeping of children is not thread-safe
            self._process.start()
        child_conn.close()
        self._deadline = time.monotonic() + limits.wall_s

    def __enter__(self) -> "_Child":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._kill()
        self._conn.close()

    def receive(self) -> tuple[str, Any]:
        """The next ("item" | "done", value); raises what the child raised or the limit it hit."""
        while not self._conn.poll(min(POLL_SLICE_S, max(0.0, self._deadline - time.monotonic()))):
            if time.monotonic() >= self._deadline:
                self._kill()
                raise LimitExceeded("time", f"took longer than {self.limits.wall_s:g} s")
        try:
            data = self._conn.recv_bytes(self.limits.max_result_mib * MIB - self._received)
        except EOFError:
            raise self._death() from None
        except OSError as exc:  # the message is larger than what is left of the result budget
            self._kill()
            raise LimitExceeded("output", f"produced more than {self.limits.max_result_mib} MiB of output") from exc
        self._received += len(data)
        try:
            kind, value = pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - e.g. an exception type whose constructor pickle cannot call
            raise ChildFailed(f"sent a result that cannot be read back: {exc}") from exc
        if kind == "memory":
            raise LimitExceeded("memory", f"used more than {self.limits.memory_mib} MiB of memory")
        if kind == "file_size":
            raise _file_size(self.limits)
        if kind == "error":
            raise value
        return kind, value

    def _death(self) -> Exception:
        """Why the child ended without a result, from its exit status."""
        self._process.join(2)
        code = self._process.exitcode
        if code == -signal.SIGXCPU:
            return LimitExceeded("cpu", f"used more than {self.limits.cpu_seconds} s of CPU time")
        if code == -signal.SIGXFSZ:
            return _file_size(self.limits)
        if code in (-signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS):  # allocation failures inside C code
            return ChildCrashed(f"crashed (signal {-code}), probably at its {self.limits.memory_mib} MiB memory limit")
        if code == -signal.SIGKILL:  # RLIMIT_CPU's hard limit, or the kernel's OOM killer
            limits = self.limits
            return ChildCrashed(f"was killed at its {limits.cpu_seconds} s CPU or {limits.memory_mib} MiB limit")
        return ChildCrashed(f"ended without a result (exit status {code})")

    def _kill(self) -> None:
        """SIGKILL the child's whole process group (whatever it started), then reap it."""
        process = self._process
        if self._closed:
            return
        if process.exitcode is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):  # gone, or not yet its own group leader
                process.kill()
            process.join(5)
        if process.exitcode is not None:
            process.close()  # frees the sentinel now, not at garbage collection
            self._closed = True


def _file_size(limits: Limits) -> LimitExceeded:
    return LimitExceeded("file_size", f"wrote a file larger than {limits.file_size_mib} MiB")
