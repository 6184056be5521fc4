"""`python -m app.cli kb eval --kb <id> --golden <file>`: recall@k and MRR per search mode on a knowledge base."""

import argparse
from collections.abc import Sequence

from sqlalchemy import select

from app.kernel.models import Document, KnowledgeBase
from worker.rag.eval import evaluate, format_results, load_golden
from worker.rag.pipeline import index_dir, open_index
from worker.runtime import db_sessions


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kb eval", description="Retrieval quality of a knowledge base.")
    parser.add_argument("--kb", type=int, required=True, help="knowledge base id")
    parser.add_argument(
        "--golden", required=True, help='JSONL: {"question", "document"?: file name, "answer_contains"?}'
    )
    parser.add_argument("-k", type=int, default=5)
    args = parser.parse_args(argv)

    with db_sessions()() as session:
        kb = session.get(KnowledgeBase, args.kb)
        documents = dict(
            session.execute(select(Document.id, Document.filename).where(Document.knowledge_base_id == args.kb)).all()
        )
    if kb is None or not index_dir(args.kb).exists():
        print(f"knowledge base {args.kb} does not exist or has no index")
        return 2
    index = open_index(kb.id, kb.embedding_model)
    results = evaluate(index, load_golden(args.golden), documents, k=args.k)
    print(f"knowledge base {kb.id} ({kb.name}): {len(documents)} documents, {index.count()} chunks")
    print(format_results(results, args.k))
    return 0
