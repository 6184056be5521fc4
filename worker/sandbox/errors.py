"""What the sandbox raises: a hit limit, a crash, or an exception of the target that could not be carried over."""

from typing import Literal

Limit = Literal["time", "cpu", "memory", "file_size", "output"]


class SandboxError(Exception):
    """Base of every sandbox failure; `str()` is a sentence fit to show a user."""


class LimitExceeded(SandboxError):
    def __init__(self, limit: Limit, message: str):
        super().__init__(message)
        self.limit = limit
        self.message = message

    def __reduce__(self):
        return LimitExceeded, (self.limit, self.message)


class ChildCrashed(SandboxError):
    """The child died without a result (a signal other than a limit's, or an abrupt exit)."""


class ChildFailed(SandboxError):
    """The target raised an exception that could not be sent back as itself (unpicklable)."""
