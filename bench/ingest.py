"""Ingestion overhead: small documents through the whole pipeline vs the bare embedder on the same chunks.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.ingest [--documents 300]

The pipeline run parses, splits, embeds and commits every document (one durable index version each); the
bare run embeds the very same chunk texts in one `encode` call. The bare run is timed before and after
the pipeline run and averaged, because other processes share the CPU. Target: pipeline >= 80% of bare.
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
                f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}."
                for _ in range(rng.randint(3, 8))
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


def chunk_texts(paths: list[Path], embedder) -> list[str]:
    texts = []
    for path in paths:
        sections = load(path, path.name).sections
        chunks = split_sections(sections, embedder.count_tokens, max_tokens=embedder.max_tokens)
        texts.extend(c.text for c in chunks)
    return texts


def time_bare(embedder, texts: list[str]) -> float:
    started = time.perf_counter()
    embedder.encode(texts)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=300)
    args = parser.parse_args()
    embedder = get_embedder()

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        paths = write_corpus(corpus, args.documents, random.Random(0))
        texts = chunk_texts(paths, embedder)
        embedder.encode(texts[:64])  # warm-up

        bare_before = time_bare(embedder, texts)
        index = KnowledgeIndex(Path(tmp) / "index", embedder)
        started = time.perf_counter()
        chunks = sum(index_document(index, n, path, path.name).chunks for n, path in enumerate(paths, 1))
        pipeline = time.perf_counter() - started
        bare_after = time_bare(embedder, texts)
        index.close()

    assert chunks == len(texts)
    bare = (bare_before + bare_after) / 2
    print(f"{len(paths)} documents, {chunks} chunks")
    print(
        f"bare embedder: {bare:.1f} s ({chunks / bare:.1f} chunks/s;"
        f" runs {bare_before:.1f} s and {bare_after:.1f} s)"
    )
    print(f"pipeline:      {pipeline:.1f} s ({chunks / pipeline:.1f} chunks/s)")
    print(f"pipeline throughput = {100 * bare / pipeline:.0f}% of the bare embedder (target >= 80%)")


if __name__ == "__main__":
    main()
