"""What the sandbox tests run in the child: standard library only, so a child starts without importing pytest."""

import os
import subprocess
import time
from pathlib import Path


def add(a, b):
    return a + b


def gil_holding_round():
    """The calculator attack of issue 18 on the bare builtin: builds 10**5000000 in C, holding the GIL."""
    return round(1, -5 * 10**6)


def allocate(mib):
    return len(bytearray(mib * 1024 * 1024))


def write_file(path, mib):
    Path(path).write_bytes(b"x" * (mib * 1024 * 1024))


def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    return pid


def sleep_with_grandchild(pid_file):
    """Starts a long `sleep` and records its pid; the sandbox must kill it with the child's process group."""
    grandchild = subprocess.Popen(["sleep", "60"])
    Path(pid_file).write_text(str(grandchild.pid))
    time.sleep(60)


def big_result(mib):
    return b"x" * (mib * 1024 * 1024)


def numbers(count):
    yield from range(count)


def fail():
    raise ValueError("the target's own error")


def whoami():
    return os.getuid()


class TwoArgumentError(Exception):
    """Pickles, but cannot be rebuilt from its args (DocumentError was like this)."""

    def __init__(self, code, message):
        super().__init__(message)


def raise_unreadable():
    raise TwoArgumentError("code", "message")


def connect(port):
    """Connect to the test's listening socket; returns the errno (0: connected)."""
    import socket

    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port))


def can_unshare_network():
    from worker.sandbox.child import unshare_network

    return unshare_network()


def numbers_slowly():
    for n in range(60):
        time.sleep(0.5)
        yield n
