"""A folder of many documents uploaded as one zip through the batch API, and search latency while it indexes.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.bulk_upload [--documents 1000] [--timeout 3600]

A private stack as start_all.sh runs it (API, indexing worker, retrieval worker; both at the same niceness, see
bench/search_lane.py; upload rate limit at its default of 10 requests per minute). The ten product pages of
bench/kbeval are indexed first so searches have something to
find; then one POST .../batches carries a zip of `--documents` generated documents in a folder tree. While
they index, the kbeval questions are searched one after another. Reported: the upload's status and time, the
batch's counts when done (no 429, nothing lost: every file indexed), indexing throughput, and search
p50/p95/max during the ingestion.
"""

import io
import random
import tempfile
import time
import zipfile
from pathlib import Path

import httpx

from bench.common import PASSWORD, SMOLLM, bench_args, percentile, sign_up, stack
from bench.ingest import write_corpus
from bench.search_lane import distinct_questions, seeded_kb


def login(http: httpx.Client, username: str) -> dict[str, str]:
    tokens = http.post("/api/v1/auth/login", data={"username": username, "password": PASSWORD})
    tokens.raise_for_status()
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


def folder_zip(documents: int) -> bytes:
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, path in enumerate(write_corpus(Path(tmp), documents, random.Random(3))):
            zf.write(path, f"team-docs/part{n % 10}/{path.name}")
    return buffer.getvalue()


def main() -> None:
    args = bench_args(
        __doc__,
        documents={"type": int, "default": 1000},
        timeout={"type": float, "default": 3600, "help": "seconds to wait for the batch to finish"},
    )
    with stack("bench-bulk-") as running:
        running.start_redis()
        running.configure(SMOLLM, None)
        running.start_api()
        running._spawn("worker-indexing", "worker", "--queue", "indexing", "--pool", "prefork")
        running._spawn("worker-retrieval", "worker", "--queue", "retrieval", "--concurrency", "4")
        time.sleep(8)  # the workers import the app and fork their pools
        headers = sign_up(running.base_url, "bulk")
        queries = distinct_questions(4)  # a counter on each: none is answered from the query-embedding cache
        with httpx.Client(base_url=running.base_url, timeout=600) as http:
            kb_id, search = seeded_kb(http, headers, "bulk", 900)

            archive = folder_zip(args.documents)
            started = time.perf_counter()
            response = http.post(
                f"/api/v1/knowledge-bases/{kb_id}/batches",
                files=[("files", ("team-docs.zip", archive, "application/zip"))],
                headers=headers,
            )
            upload_s = time.perf_counter() - started
            print(f"upload: HTTP {response.status_code}, {len(archive) / 1e6:.1f} MB zip, {upload_s:.1f} s")
            response.raise_for_status()
            batch = response.json()
            url = f"/api/v1/knowledge-bases/{kb_id}/batches/{batch['id']}"
            latencies, failures, checked = [], 0, time.monotonic()
            while time.perf_counter() - started < args.timeout:
                at = time.perf_counter()
                found = http.post(search, json={"query": next(queries), "k": 5}, headers=headers)
                if found.status_code == 401:
                    headers = login(http, "bulk")
                    continue
                if found.status_code == 200:
                    latencies.append((time.perf_counter() - at) * 1000)
                else:
                    failures += 1
                if time.monotonic() - checked > 5:
                    progress = http.get(url, headers=headers)
                    if progress.status_code == 401:  # the access token expired during a long run: log in again
                        headers = login(http, "bulk")
                        progress = http.get(url, headers=headers)
                    progress.raise_for_status()
                    checked, batch = time.monotonic(), progress.json()
                    if batch["done"]:
                        break
            elapsed = time.perf_counter() - started
    indexed = batch["counts"].get("indexed", 0)
    print(f"batch: {batch['total']} files, counts {batch['counts']}, done {batch['done']} after {elapsed:.0f} s")
    print(f"indexing: {indexed / elapsed:.2f} documents/s (upload included)")
    print(
        f"search during ingestion: {len(latencies)} searches, {failures} failed, p50 {percentile(latencies, 50):.0f} ms"
        f", p95 {percentile(latencies, 95):.0f} ms, max {max(latencies, default=float('nan')):.0f} ms"
    )


if __name__ == "__main__":
    main()
