"""The limits one sandboxed call runs under."""

import math
from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """`wall_s` is the deadline the parent enforces; `cpu_s` (default: wall_s rounded up) is RLIMIT_CPU.

    `memory_mib` caps the address space (RLIMIT_AS), `file_size_mib` every file the child writes (RLIMIT_FSIZE,
    0 = none), `processes` RLIMIT_NPROC (0 = the child can start no process or thread; only effective for a
    non-root user, hence `user`: when the worker runs as root the child switches to this user first).
    `max_result_mib` caps what the child may send back. `network=False` moves the child into an empty network
    namespace (no interface but a down loopback) where the kernel allows it (root or CAP_SYS_ADMIN); elsewhere
    callers must block sockets themselves (the Python tool's audit hook does). `workdir` becomes the child's
    working directory before it drops privileges, so it may sit below directories the user cannot enter.
    """

    wall_s: float = 5.0
    cpu_s: int | None = None
    memory_mib: int = 512
    file_size_mib: int = 0
    processes: int | None = 0
    user: str | None = None
    max_result_mib: int = 64
    network: bool = True
    workdir: str | None = None
    nice: int = 10
    """Added to the child's niceness: on a busy CPU, other users' token streams come before hostile work."""

    @property
    def cpu_seconds(self) -> int:
        return self.cpu_s if self.cpu_s is not None else max(1, math.ceil(self.wall_s))
