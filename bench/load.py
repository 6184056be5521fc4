"""Load run in one command: deploy with ./start_all.sh, run bench/locustfile.py headless, report, ./stop_all.sh.

    .venv/bin/python -m bench.load [--users 200] [--spawn-rate 20] [--time 2m] [--max-new-tokens 16] [--pre-auth]

The deployment is private: free loopback ports for the API, Flower and a Redis that start_all.sh starts
under the run folder, and its own model store + SQLite database, all under test-artifacts/load/<stamp>/.
The model is the tiny random Llama of tests/support/tiny_model.py, added by an admin as a `dir:` entry and
made the default, so the generation worker's CPU use stays small. Prints (and writes to summary.md there)
per endpoint: requests, failures, req/s, p50/p95/p99; error rate; API RSS (sampled every second) and CPU; the
load average before and after. Exit status 1 when a request failed or a non-LLM endpoint's p95 is over target.
--pre-auth gives the users ready accounts and access tokens (LOCUST_ACCOUNTS_FILE in the locustfile) instead of
signing up and logging in: the figures then cover the other endpoints without the argon2-bound sign-up burst.
--keep keeps the model store and database (logs and CSVs are always kept).
"""

import argparse
import json
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.common import PASSWORD, ROOT, TINY_ID, cpu_seconds, free_port, machine_note, rss_mib

P95_TARGET_MS = 100.0
# Entries counted with generation, outside the non-LLM target (SSE open: the chat POST up to the stream's headers).
LLM_ENTRIES = ("SSE ttft", "SSE answer", "/conversations/{id}/messages [SSE open]")


@dataclass
class Deployment:
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.env['API_PORT']}"

    def api_pid(self) -> int:
        return int((self.workdir / "run" / "pids" / "api.pid").read_text().split()[0])


def deploy(workdir: Path, overrides: dict[str, str]) -> Deployment:
    """./start_all.sh on free ports with a private Redis, run folder and model store; the UI build is skipped."""
    deployment = Deployment(workdir)
    deployment.env = {
        "API_PORT": str(free_port()),
        "FLOWER_PORT": str(free_port()),
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "RUN_DIR": str(workdir / "run"),
        "MODEL_STORE_DIR": str(workdir / "store"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'store' / 'localmind.db'}",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DEFAULT_MODEL": TINY_ID,
        "SKIP_INSTALL": "1",
        "SKIP_MODEL_PULL": "1",
        "SKIP_FRONTEND": "1",
        **overrides,
    }
    with open(workdir / "start_all.log", "w") as log:
        started = subprocess.run(["./start_all.sh"], cwd=ROOT, env=_env(deployment), stdout=log, stderr=log)
    if started.returncode != 0:
        raise RuntimeError(f"start_all.sh failed; see {workdir / 'start_all.log'} and {workdir / 'run/logs'}")
    return deployment


def stop(deployment: Deployment) -> None:
    with open(deployment.workdir / "stop_all.log", "w") as log:
        subprocess.run(["./stop_all.sh"], cwd=ROOT, env=_env(deployment), stdout=log, stderr=log, check=False)


def _env(deployment: Deployment) -> dict[str, str]:
    return {**os.environ, **deployment.env}


def bootstrap(deployment: Deployment, max_new_tokens: int) -> None:
    """The first account (admin) adds the tiny model; one answer loads it into the generation worker, one
    document the embedding model into the indexing worker."""
    from tests.support.tiny_model import build_tiny_model

    tiny_dir = build_tiny_model(deployment.workdir / "store" / "tiny-llama")
    with httpx.Client(base_url=deployment.base_url, timeout=120) as http:
        body = {"username": "loadadmin", "email": "loadadmin@example.com", "password": PASSWORD}
        http.post("/api/v1/auth/register", json=body).raise_for_status()
        login = http.post("/api/v1/auth/login", data={"username": "loadadmin", "password": PASSWORD})
        http.headers["Authorization"] = f"Bearer {login.raise_for_status().json()['access_token']}"
        spec = {"id": TINY_ID, "display_name": "Tiny load-test model", "source": f"dir:{tiny_dir}",
                "backend": "transformers", "dtype": "float32", "device": "cpu", "context_length": 256}  # fmt: skip
        http.post("/api/v1/models", json=spec).raise_for_status()
        conversation = http.post("/api/v1/conversations", json={"title": "warm-up"}).raise_for_status().json()
        question = {"content": "Warm up.", "params": {"max_new_tokens": max_new_tokens}}
        with http.stream("POST", f"/api/v1/conversations/{conversation['id']}/messages", json=question) as stream:
            stream.raise_for_status()
            events = [line for line in stream.iter_lines() if line.startswith("event:")]
        if "event: done" not in events:
            raise RuntimeError(f"warm-up answer did not finish: {events[-3:]}")
        _index_one_document(http)


def _index_one_document(http: httpx.Client) -> None:
    """One indexed document loads the embedding model into the indexing worker before the users come."""
    kb = http.post("/api/v1/knowledge-bases", json={"name": "warm-up"}).raise_for_status().json()
    files = [("files", ("warm-up.txt", b"LocalMind indexes documents on workers.", "text/plain"))]
    [document] = http.post(f"/api/v1/knowledge-bases/{kb['id']}/documents", files=files).raise_for_status().json()
    with http.stream("GET", f"/api/v1/documents/{document['id']}/events") as stream:
        events = [line for line in stream.iter_lines() if line.startswith("event:")]
    if "event: done" not in events:
        raise RuntimeError(f"warm-up document was not indexed: {events[-3:]}")


def provision_accounts(deployment: Deployment, count: int) -> Path:
    """`count` users written straight to the database (one shared argon2 hash: same password) with access tokens
    signed by the deployment's key, so the users skip signing up and logging in."""
    from app.core.security import create_access_token, hash_password
    from app.kernel.db import sync_session_factory
    from app.kernel.models import User
    from app.kernel.settings import Settings

    settings = Settings(database_url=deployment.env["DATABASE_URL"], secret_key=deployment.env["SECRET_KEY"])
    password_hash = hash_password(PASSWORD)
    names = [f"loaduser{i:04d}" for i in range(count)]
    users = [User(username=n, email=f"{n}@example.com", password_hash=password_hash, role="user") for n in names]
    with sync_session_factory(settings.database_url)() as session:
        session.add_all(users)
        session.commit()
    path = deployment.workdir / "accounts.json"
    path.write_text(json.dumps([{"access_token": create_access_token(settings, u.id, u.role)} for u in users]))
    return path


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (the API's worker processes when API_WORKERS > 1)."""
    pids, index = [pid], 0
    while index < len(pids):
        for task in Path(f"/proc/{pids[index]}/task").iterdir():
            pids.extend(int(child) for child in (task / "children").read_text().split())
        index += 1
    return pids


def _tree_total(pid: int, measure) -> float:  # noqa: ANN001
    return sum(measure(p) for p in process_tree(pid))


def deployment_cpu(deployment: Deployment) -> dict[str, float]:
    """CPU seconds so far of each process start_all.sh recorded (with its children), by PID-file name."""
    used = {}
    for pid_file in sorted((deployment.workdir / "run" / "pids").glob("*.pid")):
        try:
            used[pid_file.stem] = _tree_total(int(pid_file.read_text().split()[0]), cpu_seconds)
        except (OSError, ValueError):
            continue
    return used


def children_cpu() -> float:
    """CPU seconds of this process's finished children (locust, once `subprocess.run` has waited for it)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_shares(before: dict[str, float], after: dict[str, float], wall_s: float) -> str:
    """Where the machine's cores went during the run: cores per process, biggest first."""
    shares = {name: (after[name] - before.get(name, 0.0)) / wall_s for name in after}
    total = sum(shares.values())
    parts = ", ".join(f"{name} {cores:.2f}" for name, cores in sorted(shares.items(), key=lambda kv: -kv[1]))
    return f"CPU by process (cores): {parts}; together {total:.2f} of {os.cpu_count()}"


class RssSampler(threading.Thread):
    """Samples the resident memory of a process and its children once a second until stopped, and their CPU
    use over the whole run."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[float] = []
        self.cpu_cores = float("nan")  # CPU seconds per wall second while sampling
        self._stop_event = threading.Event()

    def run(self) -> None:
        started, cpu_before = time.monotonic(), _tree_total(self.pid, cpu_seconds)
        while not self._stop_event.wait(1.0):
            try:
                self.samples.append(_tree_total(self.pid, rss_mib))
                self.cpu_cores = (_tree_total(self.pid, cpu_seconds) - cpu_before) / (time.monotonic() - started)
            except OSError:
                return

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run_locust(deployment: Deployment, args: argparse.Namespace, accounts: Path | None) -> int:
    command = [str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "bench/locustfile.py"), "--headless",
               "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.time, "--host", deployment.base_url,
               "--json-file", str(deployment.workdir / "locust"), "--csv", str(deployment.workdir / "locust"),
               "--only-summary", "--stop-timeout", "30"]  # fmt: skip
    env = {**os.environ, "LOCUST_MAX_NEW_TOKENS": str(args.max_new_tokens)}
    if accounts is not None:
        env["LOCUST_ACCOUNTS_FILE"] = str(accounts)
    with open(deployment.workdir / "locust.log", "w") as log:
        return subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=log, check=False).returncode


@dataclass
class Entry:
    kind: str
    name: str
    requests: int
    failures: int
    rps: float
    p50: int
    p95: int
    p99: int


def read_entries(path: Path) -> tuple[list[Entry], float]:
    """Per-entry figures from locust's final JSON (its final CSV misses tasks finished during --stop-timeout)."""
    raw = json.loads(path.read_text())
    duration = max(e["last_request_timestamp"] for e in raw) - min(e["start_time"] for e in raw)
    total_times: dict[int, int] = {}
    entries = []
    for e in sorted(raw, key=lambda e: (e["method"], e["name"])):
        times = {int(ms): n for ms, n in e["response_times"].items()}
        for ms, n in times.items():
            total_times[ms] = total_times.get(ms, 0) + n
        entries.append(_entry(e["method"], e["name"], times, e["num_requests"], e["num_failures"], duration))
    requests, failures = sum(e.requests for e in entries), sum(e.failures for e in entries)
    entries.append(_entry("", "all", total_times, requests, failures, duration))
    return entries, duration


def percentile(times: dict[int, int], q: float) -> int:
    """The smallest recorded time (locust rounds to 2 significant digits) that `q` of the requests finished within."""
    count, seen = sum(times.values()), 0
    for ms in sorted(times):
        seen += times[ms]
        if seen >= q * count:
            return ms
    return 0


def _entry(kind: str, name: str, times: dict[int, int], requests: int, failures: int, duration: float) -> Entry:
    p50, p95, p99 = (percentile(times, q) for q in (0.50, 0.95, 0.99))
    return Entry(kind, name, requests, failures, requests / max(duration, 1e-9), p50, p95, p99)


def non_llm(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e.name not in (*LLM_ENTRIES, "all")]


def render(entries: list[Entry], window_s: float, api: RssSampler, before: str, after: str, command: str) -> str:
    lines = [f"command: `{command}`", f"before: {before}", f"after:  {after}", f"measured window: {window_s:.0f} s", "",
             "| type | name | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
             "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for e in entries:
        figures = f"{e.requests} | {e.failures} | {e.rps:.1f} | {e.p50} | {e.p95} | {e.p99}"
        lines.append(f"| {e.kind} | {e.name} | {figures} |")
    total, rss = entries[-1], api.samples
    missed = [e.name for e in non_llm(entries) if e.p95 > P95_TARGET_MS]
    lines += [
        "",
        f"error rate: {total.failures}/{total.requests} = {100 * total.failures / max(total.requests, 1):.2f} %",
        f"API RSS: start {rss[0]:.0f} MiB, peak {max(rss):.0f} MiB, end {rss[-1]:.0f} MiB" if rss else "API RSS: -",
        f"API CPU: {api.cpu_cores:.2f} cores on average",
        f"non-LLM p95 < {P95_TARGET_MS:.0f} ms: " + ("met" if not missed else f"missed by {', '.join(missed)}"),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--time", default="2m", help="locust run time (e.g. 30s, 2m)")
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra setting for the deployment, e.g. --set RATE_LIMIT_MESSAGES_PER_WINDOW=0",
    )
    parser.add_argument("--pre-auth", action="store_true", help="users start with accounts and tokens")
    parser.add_argument("--keep", action="store_true", help="keep the model store and database")
    args = parser.parse_args()

    workdir = ROOT / "test-artifacts" / "load" / time.strftime("%Y%m%d-%H%M%S")
    workdir.mkdir(parents=True)
    overrides = dict(item.split("=", 1) for item in args.set)
    command = "python -m bench.load " + " ".join(sys.argv[1:])
    print(f"load run in {workdir}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` still runs ./stop_all.sh
    deployment = deploy(workdir, overrides)
    try:
        bootstrap(deployment, args.max_new_tokens)
        accounts = provision_accounts(deployment, args.users) if args.pre_auth else None
        sampler = RssSampler(deployment.api_pid())
        note_before = machine_note()
        cpu_before = deployment_cpu(deployment) | {"locust": children_cpu()}
        started = time.monotonic()
        sampler.start()
        locust_rc = run_locust(deployment, args, accounts)
        sampler.stop()
        cpu_after = deployment_cpu(deployment) | {"locust": children_cpu()}
        cpu_note = cpu_shares(cpu_before, cpu_after, time.monotonic() - started)
        note_after = machine_note()
    finally:
        stop(deployment)
        if not args.keep:
            shutil.rmtree(workdir / "store", ignore_errors=True)
    entries, window_s = read_entries(workdir / "locust.json")
    report = render(entries, window_s, sampler, note_before, note_after, command) + "\n" + cpu_note
    (workdir / "summary.md").write_text(report + "\n")
    (workdir / "rss_mib.json").write_text(json.dumps(sampler.samples))
    print(report)
    print(f"\nlocust exit status {locust_rc}; CSVs, logs and summary.md in {workdir}")
    failed = entries[-1].failures > 0
    over = any(e.p95 > P95_TARGET_MS for e in non_llm(entries))
    return 1 if failed or over else 0


if __name__ == "__main__":
    sys.exit(main())
