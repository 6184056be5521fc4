"""Each service started by start_all.sh leads a process group: after a kill -9 of uvicorn's main process its
workers show as orphaned in --status, block a new start with a clear message, and stop_all.sh stops them; ports
are checked before anything starts; `--supervise` brings a dead service back. A stand-in service keeps it fast."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.deploy.conftest import REPO
from tests.deploy.test_deploy_scripts import alive, run

FAKE = Path(__file__).with_name("fake_service.py")


def group_of(pid: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (FileNotFoundError, IndexError):
            continue
        if int(fields[2]) == pid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def wait_for(predicate, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return value


def start_fake_api(env) -> int:
    script = (
        f"source scripts/lib.sh; lm_defaults; start_bg api {env['API_PORT']} {sys.executable} {FAKE} {env['API_PORT']}"
    )
    result = run(["bash", "-c", script], env)
    assert result.returncode == 0, result.stderr
    pid = int((Path(env["RUN_DIR"]) / "pids" / "api.pid").read_text().split()[0])
    wait_for(lambda: len(group_of(pid)) == 3)
    return pid


def test_orphans_of_a_killed_main_process_are_seen_refused_and_stopped(env):
    pid = start_fake_api(env)
    workers = sorted(set(group_of(pid)) - {pid})
    try:
        status = run([str(REPO / "start_all.sh"), "--status"], env).stdout
        assert f"api                running   {pid} (+2)" in status, status

        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: pid not in group_of(pid))
        status = run([str(REPO / "start_all.sh"), "--status"], env).stdout
        assert f"api                orphaned  {workers[0]},{workers[1]}" in status, status
        assert "./stop_all.sh stops them" in status

        refused = run([str(REPO / "start_all.sh")], {**env, "SKIP_INSTALL": "1"})
        assert refused.returncode == 1
        assert f"api: processes of its previous run still run (pids {workers[0]} {workers[1]})" in refused.stderr
        assert "nothing was started" in refused.stderr
        assert sorted(p.name for p in (Path(env["RUN_DIR"]) / "pids").iterdir()) == ["api.pid"]

        stopped = run([str(REPO / "stop_all.sh")], env)
        assert stopped.returncode == 0 and "orphaned processes" in stopped.stdout, stopped.stdout
        wait_for(lambda: not any(alive(w) for w in workers), 5)
        start_fake_api(env)  # the port is free again
        assert run([str(REPO / "stop_all.sh")], env).returncode == 0
    finally:
        for member in group_of(pid):
            os.kill(member, signal.SIGKILL)


def test_ports_are_checked_before_anything_starts(env):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", int(env["FLOWER_PORT"])))
        listener.listen()
        result = run([str(REPO / "start_all.sh")], {**env, "SKIP_INSTALL": "1"})
    assert result.returncode == 1
    assert f"flower: port {env['FLOWER_PORT']} is in use by another program (set FLOWER_PORT" in result.stderr
    assert not list((Path(env["RUN_DIR"]) / "pids").glob("*.pid")), "nothing may start"


def test_supervise_restarts_a_dead_service(env):
    fake = f"{sys.executable} {FAKE} {env['API_PORT']}"
    fake_start = f"start_processes() {{ start_bg api {env['API_PORT']} {fake}; }}"
    script = f"source {REPO}/start_all.sh; configure; take_lock; {fake_start}; start_processes; supervise_forever"
    supervisor = subprocess.Popen(
        ["bash", "-c", script, "start_all.sh --supervise"], cwd=REPO, env={**env, "SUPERVISE_INTERVAL": "0.2"}
    )
    pid_file = Path(env["RUN_DIR"]) / "pids" / "api.pid"

    def recorded() -> int:
        try:
            return int(pid_file.read_text().split()[0])
        except (FileNotFoundError, IndexError):
            return 0

    first = second = 0
    try:
        first = wait_for(recorded)
        wait_for(lambda: len(group_of(first)) == 3)
        os.kill(first, signal.SIGKILL)  # its two workers live on, holding the port
        second = wait_for(lambda: recorded() not in (0, first) and recorded())
        wait_for(lambda: len(group_of(second)) == 3)
        assert not group_of(first), "the orphans were stopped before the restart"
        status = run([str(REPO / "start_all.sh"), "--status"], env).stdout
        assert f"Supervised by pid {supervisor.pid}" in status, status

        stopped = run([str(REPO / "stop_all.sh")], env)
        assert stopped.returncode == 0 and "supervisor: stopping" in stopped.stdout
        assert supervisor.wait(5) == 0
        wait_for(lambda: not group_of(second), 5)
    finally:
        supervisor.kill()
        for member in group_of(first) + group_of(second):
            os.kill(member, signal.SIGKILL)
