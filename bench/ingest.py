"""Ingestion overhead: small documents through the whole pipeline vs the bare embedder on the same chunks.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.ingest [--documents 300]

The pipeline parses, splits, embeds and commits every document (one durable index version each). Right
after each document the bare embedder encodes the very same chunk texts, so both see the same contention
from other processes on the host; the ratio of the sums is the headline. One bulk `encode` of all chunks
(before and after, averaged) is printed too. Target: pipeline >= 80% of bare.
Both use `--threads` torch threads (default 1: on a shared 2-core host two threads spin against each other
and small per-document batches suffer most — 18% with the default of 2 threads under load).
"""

import argparse
import random
import tempfile
import time
from pathlib import Path

from worker.rag.embedder import get_embedder
from worker.rag.index import KnowledgeIndex
from worker.rag.loaders import load
from worker.rag.pipeline import index_document
from worker.rag.splitter import split_sections

SUBJECTS = [
    "The pump",
    "Our team",
    "The new policy",
    "This release",
    "The garden",
    "The reactor",
    "A good editor",
]
VERBS = ["improves", "reduces", "depends on", "replaces", "measures", "protects", "documents"]
OBJECTS = [
    "the water pressure in older buildings",
    "the time it takes to review a change",
    "seasonal demand for heating oil",
    "the accuracy of weekly sales forecasts",
    "soil moisture during long dry spells",
    "the cost of storing cold backups",
    "how quickly new engineers find their way around",
]


def write_corpus(directory: Path, count: int, rng: random.Random) -> list[Path]:
    paths = []
    for n in range(count):
        paragraphs = []
        for _ in range(rng.randint(2, 5)):
            sentences = [
                f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}." for _ in range(rng.randint(3, 8))
            ]
            paragraphs.append(" ".join(sentences))
        if n % 2:
            path = directory / f"doc{n:04d}.md"
            path.write_text(f"# Note {n}\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
        else:
            path = directory / f"doc{n:04d}.txt"
            path.write_text("\n\n".join(paragraphs), encoding="utf-8")
        paths.append(path)
    return paths


def chunk_texts(paths: list[Path], embedder) -> list[list[str]]:
    """Each document's chunk texts, exactly as the pipeline will cut them."""
    texts = []
    for path in paths:
        sections = load(path, path.name).sections
        chunks = split_sections(sections, embedder.count_tokens, max_tokens=embedder.max_tokens)
        texts.append([c.text for c in chunks])
    return texts


def time_bare(embedder, texts: list[str]) -> float:
    started = time.perf_counter()
    embedder.encode(texts)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--threads", type=int, default=1, help="torch threads for both runs (0: default)")
    args = parser.parse_args()
    embedder = get_embedder(threads=args.threads or None)

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        paths = write_corpus(corpus, args.documents, random.Random(0))
        per_document = chunk_texts(paths, embedder)
        texts = [text for document in per_document for text in document]
        embedder.encode(texts[:64])  # warm-up

        bulk_before = time_bare(embedder, texts)
        index = KnowledgeIndex(Path(tmp) / "index", embedder)
        pipeline = bare = 0.0
        for n, (path, document) in enumerate(zip(paths, per_document, strict=True), start=1):
            started = time.perf_counter()
            index_document(index, n, path, path.name)
            pipeline += time.perf_counter() - started
            bare += time_bare(embedder, document)  # right after, so both see the same CPU contention
        bulk_after = time_bare(embedder, texts)
        chunks = index.count()
        index.close()

    assert chunks == len(texts)
    bulk = (bulk_before + bulk_after) / 2
    print(f"{len(paths)} documents, {chunks} chunks, torch threads: {args.threads or 'default'}")
    print(f"pipeline:                       {pipeline:6.1f} s ({chunks / pipeline:.1f} chunks/s)")
    print(f"bare embedder, same calls:      {bare:6.1f} s ({chunks / bare:.1f} chunks/s), per document")
    print(f"bare embedder, one bulk call:   {bulk:6.1f} s (runs {bulk_before:.1f} s and {bulk_after:.1f} s)")
    print(f"pipeline throughput = {100 * bare / pipeline:.0f}% of the bare embedder (target >= 80%);")
    print(f"{100 * bulk / pipeline:.0f}% of one bulk embedding call (adds per-document batching)")


if __name__ == "__main__":
    main()
