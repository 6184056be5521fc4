"""Retrieval-augmented generation: loaders, token-aware splitter, embedder, FAISS + BM25 indexes, pipeline.

Entry points for the workers (everything else is internal):
- pipeline.open_index(kb_id) -> KnowledgeIndex (cached per process); pipeline.drop_index(kb_id)
- pipeline.index_document(index, document_id, path, filename, progress) -> IndexResult(kind, pages, chunks)
- KnowledgeIndex.delete_document / count / search(query, mode, k) -> list[Hit]
- KnowledgeIndex.assess(query, hits, threshold) -> Relevance ("nothing relevant" when not .relevant)
- pipeline.build_context(hits, budget_tokens) for the chat worker
- app.kernel.documents: DocumentError(code, message) for documents that cannot be indexed, detect_type and
  safe_filename for uploads (the API checks uploads with them)
"""
