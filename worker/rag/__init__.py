"""Retrieval-augmented generation: document loaders, splitter, embedder, vector/BM25 indexes, pipeline."""
