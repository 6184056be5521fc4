"""Run one tool call with argument validation, a hard deadline and an output cap; never raises."""

import logging
import threading
import time
from dataclasses import dataclass

from worker.agent.schema import validate
from worker.agent.tools.base import Tool, ToolEnv, ToolError, ToolOutput
from worker.sandbox import warm

log = logging.getLogger(__name__)

PREVIEW_CHARS = 300
TRUNCATED = "\n… [output truncated]"


@dataclass
class ToolRun:
    event: dict
    output: ToolOutput | None


class ToolTimeout(Exception):
    pass


def call_with_deadline(fn, timeout_s: float):
    """Run `fn()` in a daemon thread; give up after `timeout_s` and leave the thread to finish on its own.

    A daemon thread (not an executor) so that a stuck tool can never block interpreter shutdown.
    """
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="agent-tool", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise ToolTimeout(f"timed out after {timeout_s:g}s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def error_event(name: str, arguments, error: str, duration_ms: int = 0) -> dict:
    return {
        "name": name,
        "arguments": arguments,
        "result_preview": "",
        "duration_ms": duration_ms,
        "ok": False,
        "error": error,
    }


def cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - len(TRUNCATED))] + TRUNCATED


def execute(tool: Tool, arguments: dict, env: ToolEnv) -> ToolRun:
    errors = validate(arguments, tool.parameters)
    if errors:
        return ToolRun(error_event(tool.name, arguments, "invalid arguments: " + "; ".join(errors)), None)
    if tool.sandboxed:
        warm()  # the sandbox's first start in this process (its imports: seconds under load) is not the tool's time
    started = time.perf_counter()
    try:
        output = call_with_deadline(lambda: tool.run(arguments, env), tool.timeout_s)
        error = None
    except (ToolError, ToolTimeout) as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 - a broken tool becomes an error event, never an aborted answer
        log.warning("tool %s failed", tool.name, exc_info=True)
        error = f"{type(exc).__name__}: {exc}"
    duration_ms = round((time.perf_counter() - started) * 1000)
    if error is not None:
        return ToolRun(error_event(tool.name, arguments, cap(error, PREVIEW_CHARS), duration_ms), None)
    output.text = cap(output.text, tool.max_output_chars)
    event = {
        "name": tool.name,
        "arguments": arguments,
        "result_preview": cap(output.text, PREVIEW_CHARS),
        "duration_ms": duration_ms,
        "ok": True,
    }
    if output.images:
        event["images"] = output.images
    return ToolRun(event, output)
