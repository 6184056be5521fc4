import subprocess
import sys
from pathlib import Path

from worker.agent.runner import PREVIEW_CHARS, execute
from worker.agent.tools.base import Tool, ToolEnv, ToolOutput

CHATTY = Tool(
    name="chatty",
    description="returns a lot",
    parameters={"type": "object"},
    run=lambda args, env: ToolOutput("x" * 10_000),
    suggest_args=lambda question: None,
    max_output_chars=500,
)


def test_output_is_capped_and_the_preview_is_short():
    run = execute(CHATTY, {}, ToolEnv())
    assert run.event["ok"] and len(run.output.text) == 500 and run.output.text.endswith("[output truncated]")
    assert len(run.event["result_preview"]) == PREVIEW_CHARS


def test_the_package_imports_no_heavy_or_infrastructure_modules():
    code = (
        "import sys, worker.agent, worker.agent.tools as t; t.all_tools(); "
        "heavy = {'torch', 'celery', 'redis', 'sqlalchemy', 'app'}; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))"
    )
    repo = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_sandboxed_tool_does_not_pay_for_the_sandbox_start_within_its_deadline():
    """A fresh process's first calculator call starts the sandbox's forkserver (it imports numpy and matplotlib:
    well over 0.2 s); that start is waited for before the tool's deadline begins, not inside it."""
    code = (
        "import dataclasses; from worker.agent.runner import execute; from worker.agent.tools.base import ToolEnv; "
        "from worker.agent.tools.calculator import TOOL; "
        "run = execute(dataclasses.replace(TOOL, timeout_s=0.2), {'expression': '6 * 7'}, ToolEnv()); "
        "print(run.event['ok'], run.output.text if run.output else run.event['error'])"
    )
    repo = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True 6 * 7 = 42", out.stdout
