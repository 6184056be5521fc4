"""What each embedding model costs: indexing bench/kbeval and answering its questions, side by side.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.embedding_models [--rounds 3]

Every document goes through the whole pipeline (parse, split, embed, commit) into one index per model in
turn, and every question is searched (dense) and judged on each index in turn, so all models see the same
contention from other processes on the host. Prints seconds of indexing, query p50/p95 and the ratio to
all-MiniLM-L6-v2. Quality per model comes from `python -m app.cli kb eval --model NAME` (BENCHMARKS.md).
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from app.kernel.registry.embeddings import ENSEMBLE_MODEL
from worker.rag.embedder import get_embedder
from worker.rag.eval import BENCH_DIR, load_golden
from worker.rag.index import KnowledgeIndex
from worker.rag.pipeline import index_document

MODELS = ["all-MiniLM-L6-v2", "multilingual-e5-small", ENSEMBLE_MODEL]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="times every question is asked per model")
    args = parser.parse_args()
    files = sorted(p for p in (BENCH_DIR / "corpus").iterdir() if p.is_file())
    questions = [item["question"] for item in load_golden(BENCH_DIR / "questions.jsonl")]
    indexing = dict.fromkeys(MODELS, 0.0)
    latencies: dict[str, list[float]] = {model: [] for model in MODELS}
    with tempfile.TemporaryDirectory(prefix="bench-embedders-") as tmp:
        indexes = {model: KnowledgeIndex(Path(tmp) / str(n), get_embedder(model)) for n, model in enumerate(MODELS)}
        for document_id, path in enumerate(files, start=1):
            for model, index in indexes.items():
                started = time.perf_counter()
                index_document(index, document_id, path, path.name)
                indexing[model] += time.perf_counter() - started
        for round_ in range(args.rounds):
            for question in questions:
                for model, index in indexes.items():
                    asked = f"{question} ({round_})"  # a new text each round: no query-cache hit
                    started = time.perf_counter()
                    index.assess(asked, index.search(asked, mode="dense", k=5))
                    latencies[model].append(time.perf_counter() - started)
        chunks = {model: index.count() for model, index in indexes.items()}
    base = MODELS[0]
    print(f"{len(files)} documents, {len(questions)} questions x {args.rounds} rounds, dense search + relevance")
    print(f"{'model':<42} {'chunks':>6} {'index s':>8} {'x':>5} {'p50 ms':>7} {'p95 ms':>7} {'x p50':>6}")
    for model in MODELS:
        p50 = statistics.median(latencies[model]) * 1000
        p95 = statistics.quantiles(latencies[model], n=20)[-1] * 1000
        base_p50 = statistics.median(latencies[base]) * 1000
        print(
            f"{model:<42} {chunks[model]:>6} {indexing[model]:>8.1f} {indexing[model] / indexing[base]:>5.2f} "
            f"{p50:>7.1f} {p95:>7.1f} {p50 / base_p50:>6.2f}"
        )


if __name__ == "__main__":
    main()
