"""What runs inside the sandboxed child: its own process group, the rlimits, then the target; results go back
over the pipe as ("item" | "done" | "error" | "memory" | "file_size", value) messages."""

import ctypes
import errno
import os
import pickle
import pwd
import resource
from collections.abc import Callable
from multiprocessing.connection import Connection

from worker.sandbox.errors import ChildFailed
from worker.sandbox.limits import MIB, Limits

SINGLE_THREADED_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def apply_limits(limits: Limits) -> None:
    """Own process group (the parent kills it whole), rlimits, then the unprivileged user if we are root."""
    os.setsid()
    os.nice(limits.nice)
    os.environ.update(SINGLE_THREADED_ENV)
    cpu = limits.cpu_seconds
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # SIGXCPU at cpu s, SIGKILL one second later
    memory = limits.memory_mib * MIB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    size = limits.file_size_mib * MIB
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if not limits.network:
        unshare_network()
    if limits.workdir is not None:
        os.chdir(limits.workdir)
    if limits.processes is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
    if limits.user and os.geteuid() == 0:
        uid, gid = _ids(limits.user)
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)


CLONE_NEWNET = 0x40000000


def unshare_network() -> bool:
    """Enter a new, empty network namespace; False where the kernel refuses (no CAP_SYS_ADMIN)."""
    return ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWNET) == 0  # the interpreter's own libc


def _ids(user: str) -> tuple[int, int]:
    try:
        entry = pwd.getpwnam(user)
    except KeyError:  # a minimal image without the user: the conventional overflow ids
        return 65534, 65534
    return entry.pw_uid, entry.pw_gid


def main(conn: Connection, target: Callable, args: tuple, limits: Limits, streaming: bool) -> None:
    """The child's entry point (multiprocessing target)."""
    try:
        apply_limits(limits)
        if streaming:
            for item in target(*args):
                conn.send(("item", item))
            conn.send(("done", None))
        else:
            conn.send(("done", target(*args)))
    except MemoryError:
        _send(conn, ("memory", None))
    except OSError as exc:
        _send(conn, ("file_size", None) if exc.errno == errno.EFBIG else ("error", exc))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        _send(conn, ("error", exc))
    finally:
        conn.close()


def _send(conn: Connection, message: tuple) -> None:
    try:
        conn.send(message)
    except (pickle.PicklingError, TypeError, AttributeError):
        kind, exc = message
        conn.send((kind, ChildFailed(f"{type(exc).__name__}: {exc}")))
