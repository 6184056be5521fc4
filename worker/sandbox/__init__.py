"""Run untrusted work (tool expressions, document parsers, user code) in a child process under hard limits.

`run(target, *args, limits=...)` returns the target's result; `stream(...)` yields what a generator target
yields. The child gets CPU-time, address-space, file-size and process-count rlimits and its own process group,
which the parent kills at the wall-clock deadline; the parent only waits on a pipe, so it never holds the GIL
while the child computes. Hitting a limit raises `LimitExceeded` with a readable message.
"""

from worker.sandbox.errors import ChildCrashed, ChildFailed, LimitExceeded, SandboxError
from worker.sandbox.limits import Limits
from worker.sandbox.parent import run, stream, warm

__all__ = ["ChildCrashed", "ChildFailed", "LimitExceeded", "Limits", "SandboxError", "run", "stream", "warm"]
