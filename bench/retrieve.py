"""Hybrid search latency over a large knowledge base (target: p95 < 50 ms on 2 CPU cores), and the first
search after a write (old: BM25 rebuilt by stock bm25s on the query path; new: the snapshot the write saved).

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.retrieve [--chunks 100000] [--queries 200] [--k 5]

The corpus is synthetic (Zipf-distributed pseudo-words, 5% Chinese) with random unit vectors standing in
for chunk embeddings, so building it takes seconds instead of the ~20 min MiniLM would need for 100k chunks.
Every query is embedded for real by the same model, and the timing covers the whole `KnowledgeIndex.search`:
query embedding, FAISS (HNSW past 20k vectors), BM25, reciprocal rank fusion, chunk lookup in SQLite.
CPU time per query is printed too: on a shared host, wall time mostly measures the other tenants.
"""

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import bm25s
import numpy as np

from worker.rag.bm25 import BM25Index
from worker.rag.bm25_snapshot import BM25Snapshots
from worker.rag.chunk_store import ChunkStore
from worker.rag.embedder import get_embedder
from worker.rag.index import KnowledgeIndex
from worker.rag.splitter import Chunk

ZH_WORDS = ["长城", "历史", "工程", "朝代", "城墙", "游客", "季节", "测量", "防御", "修建", "北京", "文物"]


def vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return ["".join(rng.choice(letters, rng.integers(3, 10))) for _ in range(size)]


def synthetic_text(words: list[str], rng: np.random.Generator, weights: np.ndarray, chinese: bool) -> str:
    if chinese:
        return "".join(rng.choice(ZH_WORDS, 40)) + "。"
    return " ".join(words[i] for i in rng.choice(len(words), rng.integers(40, 90), p=weights)) + "."


def add_synthetic_document(
    index: KnowledgeIndex, document_id: int, count: int, words: list[str], rng: np.random.Generator
) -> None:
    weights = 1.0 / np.arange(1, len(words) + 1)
    weights /= weights.sum()
    chunks = [
        Chunk(synthetic_text(words, rng, weights, chinese=rng.random() < 0.05), page=None, heading=None, index=i)
        for i in range(count)
    ]
    vectors = rng.standard_normal((count, index.embedder.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index.add_document(document_id, chunks, vectors)


def build(index: KnowledgeIndex, n_chunks: int, per_document: int, rng: np.random.Generator) -> list[str]:
    words = vocabulary(20_000, rng)
    for document_id, start in enumerate(range(0, n_chunks, per_document), start=1):
        add_synthetic_document(index, document_id, min(per_document, n_chunks - start), words, rng)
    return words


def timed(label: str, fn: Callable[[], object]) -> object:
    started, started_cpu = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    print(f"  {label}: wall {1000 * wall:.0f} ms, CPU {1000 * cpu:.0f} ms")
    return result


def old_bm25_build(directory: Path) -> None:
    """What the first search after a write used to do: read every chunk's tokens, stock bm25s over strings."""
    store = ChunkStore(directory / "chunks.sqlite3")
    corpus = store.bm25_corpus()
    store.close()
    terms = np.empty(max(corpus.vocabulary.values()) + 1, dtype=object)
    terms[list(corpus.vocabulary.values())] = list(corpus.vocabulary)
    bounds = np.cumsum(corpus.lengths)[:-1]
    token_lists = [list(chunk) for chunk in np.split(terms[corpus.terms], bounds)]
    bm25s.BM25().index(token_lists, show_progress=False)


def new_bm25_build(directory: Path) -> None:
    store = ChunkStore(directory / "chunks.sqlite3")
    BM25Index.build(store.bm25_corpus())
    store.close()


def first_search_after_write(
    index: KnowledgeIndex, words: list[str], rng: np.random.Generator, query: str, k: int
) -> None:
    """One document is written by `index` while `reader` (another worker process, here an instance) is warm."""
    reader = KnowledgeIndex(index.index_dir, index.embedder)
    reader.search(query, mode="hybrid", k=k)
    print(f"first search after a write (load average {os.getloadavg()[0]:.1f}):")
    timed(
        "write of one 20-chunk document (FAISS + BM25 snapshots saved)",
        lambda: add_synthetic_document(index, 10_000_000, 20, words, rng),
    )
    builds = reader.bm25_builds_on_search
    timed("new: reader's first hybrid search (loads both snapshots)", lambda: reader.search(query, "hybrid", k))
    assert reader.bm25_builds_on_search == builds, "the search built BM25 instead of loading its snapshot"
    version = reader.stats()["version"]
    timed("    of which BM25 snapshot load", lambda: BM25Snapshots(index.index_dir).load(version))
    timed(
        "new: BM25 build from term ids (inside the write; a search only without snapshot)",
        lambda: new_bm25_build(index.index_dir),
    )
    timed(
        "old: BM25 rebuild on the first search (stored tokens read, stock bm25s over strings)",
        lambda: old_bm25_build(index.index_dir),
    )
    reader.close()


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--per-document", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--modes", default="hybrid,dense,bm25")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    embedder = get_embedder()

    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="bench-retrieve-") as tmp:
        index = KnowledgeIndex(tmp, embedder)
        started = time.perf_counter()
        words = build(index, args.chunks, args.per_document, rng)
        print(f"built {index.count()} chunks in {time.perf_counter() - started:.1f} s: {index.stats()}")

        started = time.perf_counter()
        index.search("warm up", mode="hybrid", k=args.k)
        print(f"first search of the writer (BM25 already in memory): {1000 * (time.perf_counter() - started):.0f} ms")

        queries = []
        for i in range(args.queries):
            picked = rng.choice(words[:2000], rng.integers(2, 6))
            queries.append("长城是哪个朝代修建的" if i % 20 == 0 else " ".join(picked))
        for mode in args.modes.split(","):
            latencies, cpu = [], []
            for query in queries:
                started, started_cpu = time.perf_counter(), time.process_time()
                index.search(query, mode=mode, k=args.k)
                latencies.append(1000 * (time.perf_counter() - started))
                cpu.append(1000 * (time.process_time() - started_cpu))
            print(
                f"{mode:<7} {len(latencies)} queries: p50 {statistics.median(latencies):.1f} ms, "
                f"p95 {percentile(latencies, 95):.1f} ms, max {max(latencies):.1f} ms "
                f"(CPU time per query: p50 {statistics.median(cpu):.1f} ms, p95 {percentile(cpu, 95):.1f} ms)"
            )
        first_search_after_write(index, words, rng, queries[1], args.k)
        index.close()
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
