"""`python -m app.cli kb eval [--kb <id>] [--golden <file>]`: recall@k, MRR and abstention per search mode.

With `--kb`, on that knowledge base as it is indexed, with its own threshold (or RELEVANCE_THRESHOLD). Without,
on a corpus indexed into a temporary directory (default: the public set in bench/kbeval; `--corpus DIR`).
`--calibrate` fits the threshold on the questions marked `"split": "tune"` (in the knowledge base's search mode,
or the model's recommended one) and reports every part with it
(set it with PATCH /knowledge-bases/{id} {"relevance_threshold": ...}).
"""

import argparse
import sys
from collections.abc import Sequence

from sqlalchemy import select

from app.kernel.models import Document, KnowledgeBase
from app.kernel.registry.embeddings import default_relevance_threshold
from app.kernel.settings import get_settings
from worker.rag.eval import BENCH_DIR, load_golden, report
from worker.rag.eval import main as evaluate_corpus
from worker.rag.pipeline import index_dir, open_index
from worker.runtime import db_sessions


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kb eval", description="Retrieval quality of a knowledge base.")
    parser.add_argument("--kb", type=int, help="knowledge base id (default: index --corpus in a temporary dir)")
    parser.add_argument("--corpus", default=str(BENCH_DIR / "corpus"), help="without --kb: documents to index")
    parser.add_argument(
        "--golden",
        default=str(BENCH_DIR / "questions.jsonl"),
        help='JSONL: {"question", "documents": [file names; empty = unanswerable], "split"?: "tune"|"heldout"}',
    )
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--model", help="without --kb: embedding model (default: EMBEDDING_MODEL)")
    parser.add_argument(
        "--threshold", type=float, help="relevance threshold (default: the knowledge base's, else the model's)"
    )
    parser.add_argument("--calibrate", action="store_true", help="fit the threshold on the tune part first")
    args = parser.parse_args(argv)
    if args.kb is None:
        options = ["--corpus", args.corpus, "--golden", args.golden, "-k", str(args.k)]
        model = args.model or get_settings().embedding_model
        threshold = args.threshold if args.threshold is not None else default_relevance_threshold(model)
        options += ["--model", model, "--threshold", str(threshold)]
        return evaluate_corpus([*options, *(["--calibrate"] if args.calibrate else [])])

    with db_sessions()() as session:
        kb = session.get(KnowledgeBase, args.kb)
        documents = dict(
            session.execute(select(Document.id, Document.filename).where(Document.knowledge_base_id == args.kb)).all()
        )
    if kb is None or not index_dir(args.kb).exists():
        print(f"knowledge base {args.kb} does not exist or has no index")
        return 2
    threshold = args.threshold
    if threshold is None:
        threshold = kb.relevance_threshold
        if threshold is None:
            threshold = default_relevance_threshold(kb.embedding_model)
    index = open_index(kb.id, kb.embedding_model)
    print(f"knowledge base {kb.id} ({kb.name}): {len(documents)} documents, {index.count()} chunks")
    calibrate_in = kb.retrieval_mode if args.calibrate else None
    print(report(index, load_golden(args.golden), documents, args.k, threshold, calibrate_in))
    return 0


if __name__ == "__main__":
    sys.exit(main())
