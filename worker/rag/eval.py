"""Retrieval quality on a labelled question set: recall@k, MRR@k and the "nothing relevant" decision, per mode.

Questions (JSONL), one per line: {"question", "documents": [file names that answer it], "kind"?, "split"?};
an empty `documents` list marks a question the corpus cannot answer. The older form {"document": name,
"answer_contains"?: text} is read too. Recall is file level: a question counts when all its documents are among
the first k distinct documents; MRR uses the first of them. Abstention accuracy is the share of unanswerable
questions judged "nothing relevant"; the false-abstention rate the share of answerable ones judged so.

`python -m worker.rag.eval` indexes a corpus in a temporary directory (default: bench/kbeval); `--calibrate`
picks the threshold on the tune part (in the model's recommended search mode) and reports the held-out part with it.
"""

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.kernel.registry.embeddings import recommended_mode
from worker.rag.index import MODES, Hit, KnowledgeIndex
from worker.rag.pipeline import index_document
from worker.rag.relevance import DEFAULT_THRESHOLD

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench" / "kbeval"
MAX_FALSE_ABSTENTION = 0.05


@dataclass(frozen=True)
class Outcome:
    """One question in one mode: the rank of its first right document, whether all were found, the score."""

    question: dict
    rank: int | None
    found: bool
    score: float


def load_golden(path: str | Path) -> list[dict]:
    items = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        if "documents" not in item:
            item["documents"] = [item["document"]] if "document" in item else []
        items.append(item)
    return items


def index_corpus(index: KnowledgeIndex, corpus_dir: str | Path) -> dict[int, str]:
    """Index every file of `corpus_dir` (ids 1..n in name order); returns {document_id: file name}."""
    names = {}
    files = sorted(p for p in Path(corpus_dir).iterdir() if p.is_file() and not p.name.startswith("."))
    for document_id, path in enumerate(files, start=1):
        index_document(index, document_id, path, path.name)
        names[document_id] = path.name
    return names


def run_questions(
    index: KnowledgeIndex, golden: Sequence[dict], documents: dict[int, str], mode: str, k: int
) -> list[Outcome]:
    outcomes = []
    for item in golden:
        hits = index.search(item["question"], mode=mode, k=4 * k)  # chunks; k distinct documents are taken
        score = index.assess(item["question"], hits).score
        ranked = _distinct_documents(hits, item, documents)[:k]
        wanted = item["documents"]
        rank = next((n for n, name in enumerate(ranked, 1) if name in wanted), None)
        outcomes.append(Outcome(item, rank, bool(wanted) and all(name in ranked for name in wanted), score))
    return outcomes


def _distinct_documents(hits: Sequence[Hit], item: dict, documents: dict[int, str]) -> list[str]:
    """File names in rank order; with `answer_contains`, a document counts only through a chunk holding it."""
    names: list[str] = []
    needle = item.get("answer_contains", "").lower()
    for hit in hits:
        name = documents.get(hit.document_id, "")
        if needle and name in item["documents"] and needle not in hit.text.lower():
            name = f"{name}#other-chunk"
        if name not in names:
            names.append(name)
    return names


def metrics(outcomes: Sequence[Outcome], k: int, threshold: float) -> dict[str, float]:
    answerable = [o for o in outcomes if o.question["documents"]]
    unanswerable = [o for o in outcomes if not o.question["documents"]]
    n = max(len(answerable), 1)
    return {
        f"recall@{k}": sum(o.found for o in answerable) / n,
        f"mrr@{k}": sum(1.0 / o.rank for o in answerable if o.rank) / n,
        "abstention": sum(o.score < threshold for o in unanswerable) / max(len(unanswerable), 1),
        "false_abstention": sum(o.score < threshold for o in answerable) / n,
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
    }


def calibrate(outcomes: Sequence[Outcome], max_false_abstention: float = MAX_FALSE_ABSTENTION) -> float:
    """The threshold that abstains on most unanswerable questions while false abstentions stay within the cap.

    Among equally good thresholds the middle of their range is taken, as far as possible from both sides.
    """
    scores = sorted({round(o.score, 4) for o in outcomes})
    candidates = [(a + b) / 2 for a, b in zip(scores, scores[1:], strict=False)] or [DEFAULT_THRESHOLD]
    allowed = [t for t in candidates if metrics(outcomes, 1, t)["false_abstention"] <= max_false_abstention]
    if not allowed:
        return min(candidates)
    best = max(metrics(outcomes, 1, t)["abstention"] for t in allowed)
    tied = [t for t in allowed if metrics(outcomes, 1, t)["abstention"] == best]
    return round((min(tied) + max(tied)) / 2, 4)


def format_results(results: dict[str, dict[str, float]], k: int) -> str:
    header = f"{'mode':<8} {'recall@' + str(k):>9} {'MRR@' + str(k):>7} {'abstain':>8} {'false-abst':>10}  n"
    lines = [header]
    for mode, row in results.items():
        lines.append(
            f"{mode:<8} {row[f'recall@{k}']:>9.3f} {row[f'mrr@{k}']:>7.3f} {row['abstention']:>8.3f} "
            f"{row['false_abstention']:>10.3f}  {row['answerable']}+{row['unanswerable']}"
        )
    return "\n".join(lines)


def evaluate(
    index: KnowledgeIndex,
    golden: Sequence[dict],
    documents: dict[int, str],
    k: int = 5,
    modes: Sequence[str] = MODES,
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[str, dict[str, float]]:
    return {mode: metrics(run_questions(index, golden, documents, mode, k), k, threshold) for mode in modes}


def report(
    index: KnowledgeIndex,
    golden: Sequence[dict],
    documents: dict[int, str],
    k: int,
    threshold: float | None,
    calibrate_in: str | None,
) -> str:
    """The printed report: with `calibrate_in` (a mode), the threshold is fitted on split=tune in it first."""
    lines = []
    if calibrate_in:
        tune = [q for q in golden if q.get("split") == "tune"]
        threshold = calibrate(run_questions(index, tune, documents, calibrate_in, k))
        lines.append(f"threshold calibrated on the tune part ({len(tune)} questions, {calibrate_in}): {threshold}")
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    parts = {"all": list(golden)}
    for split in sorted({q["split"] for q in golden if "split" in q}):
        parts[split] = [q for q in golden if q.get("split") == split]
    for name, questions in parts.items():
        outcomes = {mode: run_questions(index, questions, documents, mode, k) for mode in MODES}
        lines.append(f"\n{name}: {len(questions)} questions, threshold {threshold}")
        lines.append(format_results({m: metrics(o, k, threshold) for m, o in outcomes.items()}, k))
        lines.append(found_by_kind(outcomes))
    return "\n".join(lines)


def found_by_kind(outcomes: dict[str, list[Outcome]]) -> str:
    """Answerable questions found in the top k, per question kind and mode: "found/asked"."""
    answerable = [o for found in outcomes.values() for o in found if o.question["documents"]]
    kinds = sorted({o.question.get("kind", "-") for o in answerable})
    lines = [f"{'found':<8} " + " ".join(f"{kind:>12}" for kind in kinds)]
    for mode, found in outcomes.items():
        counts = []
        for kind in kinds:
            asked = [o for o in found if o.question["documents"] and o.question.get("kind", "-") == kind]
            counts.append(f"{sum(o.found for o in asked)}/{len(asked)}")
        lines.append(f"{mode:<8} " + " ".join(f"{count:>12}" for count in counts))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Retrieval recall@k / MRR / abstention per search mode.")
    parser.add_argument("--corpus", default=str(BENCH_DIR / "corpus"), help="directory of documents to index")
    parser.add_argument("--golden", default=str(BENCH_DIR / "questions.jsonl"), help="labelled questions (JSONL)")
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--model", default="all-MiniLM-L6-v2", help="embedding model name or directory")
    parser.add_argument("--threshold", type=float, help=f"relevance threshold (default {DEFAULT_THRESHOLD})")
    parser.add_argument(
        "--calibrate", action="store_true", help="fit the threshold on the tune part first (the model's best mode)"
    )
    args = parser.parse_args(argv)

    from worker.rag.embedder import get_embedder

    with tempfile.TemporaryDirectory(prefix="rag-eval-") as tmp:
        index = KnowledgeIndex(tmp, get_embedder(args.model))
        documents = index_corpus(index, args.corpus)
        print(f"{len(documents)} documents, {index.count()} chunks")
        calibrate_in = recommended_mode(args.model) if args.calibrate else None
        print(report(index, load_golden(args.golden), documents, args.k, args.threshold, calibrate_in))
        index.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
