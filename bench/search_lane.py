"""Search latency while documents index: the retrieval lane (own queue and worker) against the shared queue.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.search_lane [--documents 100] [--window 60] [--nice]

Each lane gets a fresh private stack (Redis, API, SQLite, model store) built the way start_all.sh runs it:
an indexing worker (prefork, 1 process) and, for `own`, a retrieval worker (4 threads). `shared` starts no
retrieval worker: the indexing worker consumes both queues, as before the lane existed. Both workers run at
the same niceness unless `--nice` gives them start_all.sh's (15 and 5): on a host saturated by others a niced
indexing worker barely runs, which would flatter the lane. A knowledge base is seeded with the ten product
pages of bench/kbeval, then `--documents` generated documents are uploaded (20 per
request) and, while they index, searches of the kbeval questions are sent one after another through the
HTTP API. Latency is per search request (API → queue → worker → API), p50/p95/max over the window.

The same number of searches is first sent before the upload (`idle`: the same stack with nothing indexing, the
baseline for the host's load at that moment), and every question gets a counter appended so that no search is
answered from the query-embedding cache. After each HTTP search the bench runs the worker's own steps in its
own process on the same index (`--stages`: embed the question, search, relevance decision), so that the HTTP
latency can be split into CPU work and the queue/dispatch around it (this adds the same CPU work again).
"""

import itertools
import os
import random
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.common import SMOLLM, bench_args, percentile, sign_up, stack
from bench.ingest import write_corpus
from worker.rag.eval import BENCH_DIR, load_golden

FILES_PER_REQUEST = 20
IDLE_SEARCHES = 40


def tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(p) for p in children.read_text().split()] if children.exists() else []
    return [pid, *(grand for kid in kids for grand in tree(kid))]


def renice(pid: int, niceness: int) -> None:
    for member in tree(pid):
        os.setpriority(os.PRIO_PROCESS, member, niceness)


def upload(http: httpx.Client, headers: dict, kb_id: int, paths: list[Path]) -> list[int]:
    ids = []
    for start in range(0, len(paths), FILES_PER_REQUEST):
        parts = [("files", (p.name, p.read_bytes(), "text/plain")) for p in paths[start : start + FILES_PER_REQUEST]]
        response = http.post(f"/api/v1/knowledge-bases/{kb_id}/documents", files=parts, headers=headers)
        response.raise_for_status()
        ids += [d["id"] for d in response.json()]
    return ids


def statuses(http: httpx.Client, headers: dict, kb_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for document in http.get(f"/api/v1/knowledge-bases/{kb_id}/documents", headers=headers).json():
        counts[document["status"]] = counts.get(document["status"], 0) + 1
    return counts


def wait_indexed(http: httpx.Client, headers: dict, kb_id: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = statuses(http, headers, kb_id)
        if set(counts) <= {"indexed", "failed"}:
            return
        time.sleep(1)
    raise RuntimeError(f"seed documents not indexed in {timeout:.0f} s: {counts}")


def seeded_kb(
    http: httpx.Client, headers: dict, name: str, timeout: float, embedding_model: str | None = None
) -> tuple[int, str]:
    """A knowledge base `name` (on `embedding_model`, default the server's) holding the ten kbeval product pages,
    indexed, and its search URL, searched once (loads the embedding model); (id, search URL)."""
    body = {"name": name, "embedding_model": embedding_model} if embedding_model else {"name": name}
    kb_id = http.post("/api/v1/knowledge-bases", json=body, headers=headers).json()["id"]
    upload(http, headers, kb_id, sorted((BENCH_DIR / "corpus").glob("harborlight_*")))
    wait_indexed(http, headers, kb_id, timeout)
    search = f"/api/v1/knowledge-bases/{kb_id}/search"
    http.post(search, json={"query": "warm-up"}, headers=headers).raise_for_status()
    return kb_id, search


class Stages:
    """The search job's steps timed in this process on the lane's index: embed, search, relevance decision."""

    def __init__(self, kb_id: int, embedding_model: str | None):
        from worker.rag.pipeline import open_index

        self.index = open_index(kb_id, embedding_model)
        self.times: dict[str, list[float]] = {"embed": [], "search": [], "assess": []}
        self.run("warm-up")  # loads the model and the background vectors: not a sample
        self.times = {name: [] for name in self.times}

    def run(self, query: str) -> None:
        at = time.perf_counter()
        self.index.query_vector(query)
        embedded = time.perf_counter()
        hits = self.index.search(query, k=10)
        searched = time.perf_counter()
        self.index.assess(query, hits)
        done = time.perf_counter()
        for name, seconds in (("embed", embedded - at), ("search", searched - embedded), ("assess", done - searched)):
            self.times[name].append(seconds * 1000)


def timed_searches(
    http: httpx.Client, headers: dict, url: str, queries: Iterator[str], stages: "Stages | None", until
) -> tuple[list, int]:
    """Search one question after another while `until()` holds; (latencies in ms, failed requests)."""
    latencies, failures = [], 0
    while until(len(latencies)):
        query = next(queries)
        at = time.perf_counter()
        response = http.post(url, json={"query": query, "k": 5}, headers=headers)
        if response.status_code == 200:
            latencies.append((time.perf_counter() - at) * 1000)
        else:
            failures += 1
        if stages is not None:
            stages.run(query + " ")  # not the cached vector of the HTTP search's own question
    return latencies, failures


def distinct_questions(seed: int) -> Iterator[str]:
    questions = [q["question"] for q in load_golden(BENCH_DIR / "questions.jsonl")]
    rng = random.Random(seed)
    for n in itertools.count():
        yield f"{rng.choice(questions)} ({n})"


def run_lane(
    lane: str, documents: int, window: float, nice: bool, profile: bool, embedding_model: str | None = None
) -> dict:
    with stack("bench-lane-") as running:
        running.start_redis()
        running.configure(SMOLLM, None, {"RATE_LIMIT_UPLOADS_PER_WINDOW": "0"})
        running.start_api()
        queues = "indexing" if lane == "own" else "indexing,retrieval"
        indexing = running._spawn("worker-indexing", "worker", "--queue", queues, "--pool", "prefork")
        retrieval = None
        if lane == "own":
            retrieval = running._spawn("worker-retrieval", "worker", "--queue", "retrieval", "--concurrency", "4")
        time.sleep(8)  # the workers import the app and fork their pools
        if nice:
            renice(indexing.pid, 15)
            if retrieval is not None:
                renice(retrieval.pid, 5)
        headers = sign_up(running.base_url, "bench")
        queries = distinct_questions(2)
        with httpx.Client(base_url=running.base_url, timeout=120) as http:
            kb_id, search = seeded_kb(http, headers, "lane", 600, embedding_model)
            idle_stages = Stages(kb_id, embedding_model) if profile else None
            idle, _ = timed_searches(http, headers, search, queries, idle_stages, lambda n: n < IDLE_SEARCHES)
            with tempfile.TemporaryDirectory() as tmp:
                paths = write_corpus(Path(tmp), documents, random.Random(1))
                upload(http, headers, kb_id, paths)
            started = time.monotonic()
            progress = {"checked": started, "queued": True}

            def still_indexing(searches: int) -> bool:
                if time.monotonic() - progress["checked"] > 3:  # the document list is a request: not every time
                    progress.update(checked=time.monotonic(), queued="queued" in statuses(http, headers, kb_id))
                return time.monotonic() - started < window and (bool(progress["queued"]) or searches < 20)

            stages = Stages(kb_id, embedding_model) if profile else None
            latencies, failures = timed_searches(http, headers, search, queries, stages, still_indexing)
            counts = statuses(http, headers, kb_id)
        for proc in (indexing, retrieval):
            if proc is not None:
                proc.send_signal(signal.SIGTERM)
    return {
        "lane": lane,
        "idle_p50": percentile(idle, 50),
        "idle_p95": percentile(idle, 95),
        "stages": {name: (percentile(t, 50), percentile(t, 95)) for name, t in stages.times.items()} if stages else {},
        "idle_stages": {n: (percentile(t, 50), percentile(t, 95)) for n, t in idle_stages.times.items()}
        if idle_stages
        else {},
        "searches": len(latencies),
        "failures": failures,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "max": max(latencies, default=float("nan")),
        "seconds": time.monotonic() - started,
        "documents": counts,
    }


def main() -> None:
    args = bench_args(
        __doc__,
        documents={"type": int, "default": 100, "help": "documents uploaded while searching"},
        window={"type": float, "default": 60, "help": "longest search window in seconds"},
        lanes={"default": "shared,own"},
        nice={"action": "store_true", "help": "start_all.sh's niceness: indexing 15, retrieval 5"},
        stages={"action": "store_true", "help": "also time the search steps in this process"},
        embedding_model={"help": "the knowledge base's embedding model (default: the server's EMBEDDING_MODEL)"},
    )
    for lane in args.lanes.split(","):
        row = run_lane(lane, args.documents, args.window, args.nice, args.stages, args.embedding_model)
        print(
            f"{row['lane']:<7} searches {row['searches']:>4}  failed {row['failures']}  p50 {row['p50']:7.0f} ms  "
            f"p95 {row['p95']:7.0f} ms  max {row['max']:7.0f} ms  over {row['seconds']:.0f} s; "
            f"documents {row['documents']}"
        )
        print(
            f"        idle (same stack, before the upload): p50 {row['idle_p50']:.0f} ms  p95 {row['idle_p95']:.0f} ms;"
            f" p95 ratio {row['p95'] / row['idle_p95']:.1f}x"
        )
        for label, key in (("idle", "idle_stages"), ("indexing", "stages")) if args.stages else ():
            parts = "  ".join(f"{name} {p50:.0f}/{p95:.0f}" for name, (p50, p95) in row[key].items())
            print(f"        in-process steps while {label} (p50/p95 ms): {parts}")


if __name__ == "__main__":
    main()
