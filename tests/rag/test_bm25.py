"""BM25 built from packed term ids (chunk store on disk) scores exactly like bm25s on token lists."""

import bm25s
import numpy as np
import pytest

from worker.rag.bm25 import BM25Index, tokenize
from worker.rag.chunk_store import ChunkStore

WORDS = [f"w{i}" for i in range(60)]


def random_token_lists(seed: int, n: int) -> list[list[str]]:
    """Zipf-ish words with repeats, a few empty chunks, lengths 0..40."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(WORDS) + 1)
    weights /= weights.sum()
    return [list(rng.choice(WORDS, rng.integers(0, 41), p=weights)) for _ in range(n)]


def store_with(path, token_lists: list[list[str]], per_document: int = 7) -> tuple[ChunkStore, list[int]]:
    store = ChunkStore(path)
    ids = []
    for start in range(0, len(token_lists), per_document):
        rows = [(i, " ".join(t), None, None, t) for i, t in enumerate(token_lists[start : start + per_document])]
        with store.write():
            ids += store.insert(start, rows)
    return store, ids


def reference_scores(token_lists: list[list[str]], chunk_ids: list[int], query: list[str]) -> dict[int, float]:
    """What bm25s itself gives for the query, keyed by chunk id (positive scores only)."""
    model = bm25s.BM25()
    model.index(token_lists, show_progress=False)
    scores = model.get_scores_from_ids(model.get_tokens_ids(query))
    return {chunk_ids[i]: float(s) for i, s in enumerate(scores) if s > 0}


@pytest.mark.parametrize("seed", [0, 1])
def test_packed_build_scores_exactly_like_bm25s(tmp_path, seed):
    token_lists = random_token_lists(seed, 150)
    store, ids = store_with(tmp_path / "chunks.sqlite3", token_lists)
    with store.write():  # deleted chunks leave unused term ids behind: they must not change any score
        store.delete_document(7)
    kept = [(cid, tokens) for cid, tokens in zip(ids, token_lists, strict=True) if not 7 <= cid - ids[0] < 14]
    index = BM25Index.build(store.bm25_corpus())
    queries = [[w] for w in WORDS] + [["w0", "w3", "w3", "w41"], ["w59", "unknown"], ["w1", "w2", "w5", "w8"]]
    for query in queries:
        expected = reference_scores([t for _, t in kept], [cid for cid, _ in kept], query)
        assert dict(index.search(query, k=len(kept))) == expected, query
    store.close()


def test_chunk_store_reads_back_the_tokens_it_stored(tmp_path):
    texts = ["Espresso is brewed at nine bars.", "长城是明朝修建的。", "", "bars bars bars"]
    token_lists = [tokenize(t) for t in texts]
    store, ids = store_with(tmp_path / "chunks.sqlite3", token_lists)
    corpus = store.bm25_corpus()
    terms = {i: t for t, i in corpus.vocabulary.items()}
    offsets = np.concatenate([[0], np.cumsum(corpus.lengths)])
    back = [[terms[i] for i in corpus.terms[a:b]] for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    assert list(corpus.chunk_ids) == ids and back == token_lists
    store.close()


def test_empty_corpus_finds_nothing(tmp_path):
    store = ChunkStore(tmp_path / "chunks.sqlite3")
    assert BM25Index.build(store.bm25_corpus()).search(["anything"], k=5) == []
    store.close()
