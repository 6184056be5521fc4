"""python: run a short Python snippet for a data question ("average of these numbers") in the sandbox.

The snippet runs in a sandboxed child (worker/sandbox) as an unprivileged user with CPU, memory, file-size
and process limits, in an empty network namespace where the kernel allows one, with the scratch directory
(`MODEL_STORE_DIR/scratch`, readable, not writable) as its working directory and an empty environment. An
audit hook refuses what the rlimits cannot see: sockets, subprocesses, signals, ctypes, writes and file-system
changes anywhere, and reads outside the scratch directory and the Python installation. stdout (and stderr) is
the result. Figures drawn with matplotlib come back as PNG images (worker/agent/tools/figures.py): rendered in
memory in the child, checked again here (PNG, size caps), shown as images in the chat's tool steps.
"""

import base64
import io
import os
import re
import sys
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import replace
from pathlib import Path

from worker.agent.tools.base import Tool, ToolEnv, ToolError, ToolOutput, closed_object
from worker.sandbox import LimitExceeded, Limits, SandboxError
from worker.sandbox import run as run_sandboxed

MAX_CODE_CHARS = 4000
MAX_OUTPUT_CHARS = 8000
TIMEOUT_S = 10.0
SANDBOX = Limits(wall_s=TIMEOUT_S - 1, cpu_s=3, memory_mib=512, processes=0, user="nobody", network=False)
BLOCKED_EVENTS = (
    "socket.",
    "subprocess.",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "os.kill",
    "os.killpg",
    "os.remove",
    "os.rename",
    "os.rmdir",
    "os.mkdir",
    "os.chmod",
    "os.chown",
    "os.link",
    "os.symlink",
    "os.truncate",
    "os.utime",
    "os.putenv",
    "os.unsetenv",
    "os.chdir",
    "os.setxattr",
    "os.removexattr",
    "shutil.",
    "ctypes.",
    "pty.",
    "signal.pthread_kill",
    "resource.setrlimit",
    "sys.remote_exec",
    "_posixsubprocess",
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class _CappedOutput(io.StringIO):
    def write(self, text: str) -> int:
        if self.tell() + len(text) > MAX_OUTPUT_CHARS:
            super().write(text[: max(0, MAX_OUTPUT_CHARS - self.tell())])
            raise _OutputFull
        return super().write(text)


class _OutputFull(Exception):
    pass


def scratch_dir() -> Path:
    """MODEL_STORE_DIR/scratch. Settings are read at call time: the agent package imports no app module."""
    from app.kernel.settings import get_settings

    path = get_settings().model_store_dir / "scratch"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _guard(readable: tuple[str, ...]):
    def hook(event: str, args: tuple) -> None:
        if event.startswith(BLOCKED_EVENTS):
            raise PermissionError(f"{event} is not allowed in the python tool")
        if event == "open":
            path, mode, flags = args
            writes = (mode is not None and any(c in str(mode) for c in "wax+")) or (flags or 0) & _WRITE_FLAGS
            if writes:
                raise PermissionError("the python tool cannot write files")
            if isinstance(path, (str, bytes)) and not os.path.realpath(os.fsdecode(path)).startswith(readable):
                raise PermissionError(f"the python tool can only read files in its scratch directory ({path})")

    return hook


def execute(code: str, scratch: str) -> tuple[str, list[bytes]]:
    """In the sandboxed child (already in `scratch`): guard, run, return what the snippet printed (and its
    traceback, if any) and the figures it drew, as PNG."""
    from worker.agent.tools.figures import FONT_DIR, drawn_figures  # preloaded by the forkserver

    os.environ.clear()
    os.environ.update({"HOME": scratch, "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"})
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, *(p for p in sys.path if "site-packages" in p)}
    readable = tuple(os.path.realpath(p) + os.sep for p in (scratch, FONT_DIR, *prefixes)) + (
        "/dev/null",
        "/proc/self/",
    )
    compiled = compile(code, "<python>", "exec")
    sys.addaudithook(_guard(readable))
    output = _CappedOutput()
    with redirect_stdout(output), redirect_stderr(output):
        try:
            exec(compiled, {"__name__": "__main__", "__builtins__": __builtins__})
        except _OutputFull:
            pass
        except MemoryError:
            raise  # the sandbox reports it as the memory limit
        except BaseException:  # noqa: BLE001 - the snippet's own error is its result
            try:
                traceback.print_exc(limit=-3)
            except _OutputFull:
                pass
    text = output.getvalue()
    text = text if len(text) < MAX_OUTPUT_CHARS else text + "\n… [output truncated]"
    images, notes = drawn_figures()
    return "\n".join([text.rstrip(), *notes]).strip(), images


def _checked_images(images: object) -> list[str]:
    """The child's figures as base64, keeping only PNGs within the caps: what the snippet returns is untrusted."""
    from worker.agent.tools.figures import MAX_FIGURES, MAX_PNG_BYTES

    if not isinstance(images, list):
        return []
    pngs = [p for p in images if isinstance(p, bytes) and p.startswith(PNG_SIGNATURE) and len(p) <= MAX_PNG_BYTES]
    return [base64.b64encode(png).decode("ascii") for png in pngs[:MAX_FIGURES]]


def run(args: dict, env: ToolEnv) -> ToolOutput:
    try:
        scratch = str(scratch_dir())
        result = run_sandboxed(execute, args["code"], scratch, limits=replace(SANDBOX, workdir=scratch))
    except LimitExceeded as exc:
        raise ToolError(f"stopped: the code {exc}") from exc
    except SyntaxError as exc:
        raise ToolError(f"syntax error: {exc.msg} (line {exc.lineno})") from exc
    except SandboxError as exc:
        raise ToolError(f"the code {exc}") from exc
    text, images = result if isinstance(result, tuple) and len(result) == 2 else (str(result), [])
    pngs = _checked_images(images)
    figures = [f"[figure {n} is shown to the user as an image]" for n in range(1, len(pngs) + 1)]
    text = "\n".join([str(text).rstrip(), *figures]).strip()
    return ToolOutput(text or "(the code printed nothing; use print())", images=pngs)


_FENCE = re.compile(r"```(?:python|py)\s*\n(?P<code>.+?)```", re.DOTALL | re.IGNORECASE)


def suggest_args(question: str) -> dict | None:
    """A question carrying a ```python block runs that block."""
    match = _FENCE.search(question)
    return {"code": match.group("code")} if match else None


TOOL = Tool(
    name="python",
    description=(
        "Run a short Python 3 program (standard library, numpy, matplotlib) for data questions: statistics, "
        "averages, conversions, tables, plots. What it prints is returned, and matplotlib figures it draws are "
        "shown as images (do not save them); no network, no file writes; files in the scratch directory can be read."
    ),
    parameters=closed_object({"code": {"type": "string", "minLength": 1, "maxLength": MAX_CODE_CHARS}}, ["code"]),
    run=run,
    suggest_args=suggest_args,
    pattern_routed=True,
    sandboxed=True,
    timeout_s=TIMEOUT_S,
    max_output_chars=MAX_OUTPUT_CHARS,
)
