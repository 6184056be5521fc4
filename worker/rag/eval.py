"""Retrieval quality on a golden set: recall@k and MRR@k for each search mode.

Golden JSONL, one question per line: {"question": ..., "document": "<file name>"} and/or
{"question": ..., "answer_contains": "<text the right chunk contains>"}; a hit is right when it matches all
that the line gives. `python -m worker.rag.eval` indexes the sample corpus in a temporary directory.
"""

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from worker.rag.index import MODES, Hit, KnowledgeIndex
from worker.rag.pipeline import index_document

DATA_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "rag"


def load_golden(path: str | Path) -> list[dict]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def index_corpus(index: KnowledgeIndex, corpus_dir: str | Path) -> dict[int, str]:
    """Index every file of `corpus_dir` (ids 1..n in name order); returns {document_id: file name}."""
    names = {}
    for document_id, path in enumerate(sorted(p for p in Path(corpus_dir).iterdir() if p.is_file()), start=1):
        index_document(index, document_id, path, path.name)
        names[document_id] = path.name
    return names


def evaluate(
    index: KnowledgeIndex,
    golden: Sequence[dict],
    documents: dict[int, str],
    k: int = 5,
    modes: Sequence[str] = MODES,
) -> dict[str, dict[str, float]]:
    results = {}
    for mode in modes:
        found, reciprocal = 0, 0.0
        for item in golden:
            hits = index.search(item["question"], mode=mode, k=k)
            rank = next((n for n, hit in enumerate(hits, 1) if _matches(hit, item, documents)), None)
            if rank:
                found += 1
                reciprocal += 1.0 / rank
        total = max(len(golden), 1)
        results[mode] = {f"recall@{k}": found / total, f"mrr@{k}": reciprocal / total, "n": len(golden)}
    return results


def _matches(hit: Hit, item: dict, documents: dict[int, str]) -> bool:
    if "document" in item and documents.get(hit.document_id) != item["document"]:
        return False
    return "answer_contains" not in item or item["answer_contains"].lower() in hit.text.lower()


def format_results(results: dict[str, dict[str, float]], k: int) -> str:
    lines = [f"{'mode':<8} {'recall@' + str(k):>9} {'MRR@' + str(k):>7}  n"]
    for mode, row in results.items():
        lines.append(f"{mode:<8} {row[f'recall@{k}']:>9.3f} {row[f'mrr@{k}']:>7.3f}  {row['n']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Retrieval recall@k / MRR per search mode on a golden set.")
    parser.add_argument("--corpus", default=str(DATA_DIR / "corpus"), help="directory of documents to index")
    parser.add_argument("--golden", default=str(DATA_DIR / "golden.jsonl"), help="golden questions (JSONL)")
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--model", default="all-MiniLM-L6-v2", help="embedding model name or directory")
    args = parser.parse_args(argv)

    from worker.rag.embedder import get_embedder

    with tempfile.TemporaryDirectory(prefix="rag-eval-") as tmp:
        index = KnowledgeIndex(tmp, get_embedder(args.model))
        documents = index_corpus(index, args.corpus)
        results = evaluate(index, load_golden(args.golden), documents, k=args.k)
        chunks = index.count()
        index.close()
    print(f"{len(documents)} documents, {chunks} chunks")
    print(format_results(results, args.k))
    return 0


if __name__ == "__main__":
    sys.exit(main())
