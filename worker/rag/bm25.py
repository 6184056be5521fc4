"""BM25 keyword search (bm25s): jieba words for CJK text, lowercase word tokens for everything else.

The index is built from term ids packed into flat arrays (see `ChunkStore.bm25_corpus`) with numpy, not one
Python loop per token: the scores are bit-for-bit those of `bm25s.BM25().index(token_lists)`.
"""

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
from bm25s.scoring import _select_idf_scorer, _select_tfc_scorer
from bm25s.stopwords import STOPWORDS_EN
from bm25s.tokenization import Tokenized

CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_WORD = re.compile(r"\w+")
STOPWORDS = set(STOPWORDS_EN) | set(
    "的 了 是 在 和 与 及 也 就 都 而 吗 呢 吧 啊 什么 哪 哪里 如何 怎么 怎样 为什么 多少 几 哪些 一个 这 那".split()
)
_CHUNK_IDS = "chunk_ids.npy"


def tokenize(text: str) -> list[str]:
    text = text.lower()
    if CJK_CHAR.search(text):
        words = jieba_module().lcut_for_search(text)
    else:
        words = _WORD.findall(text)
    return [w for w in words if w not in STOPWORDS and _WORD.match(w)]


def jieba_module():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


@dataclass(frozen=True)
class PackedCorpus:
    """Chunk i holds `terms[offset_i : offset_i + lengths[i]]` (term ids); `vocabulary` maps term -> id."""

    chunk_ids: np.ndarray  # int64, ascending
    lengths: np.ndarray  # int64, tokens per chunk
    terms: np.ndarray  # int32 term ids of all chunks back to back
    vocabulary: dict[str, int]


class _PackedBM25(bm25s.BM25):
    """bm25s with `build_index_from_ids` (its documented override point) vectorized over a PackedCorpus."""

    def build_index_from_ids(self, unique_token_ids, corpus_token_ids: PackedCorpus, **_progress) -> dict:
        if self.method in self.methods_requiring_nonoccurrence:
            raise ValueError(f"BM25 method {self.method!r} is not supported by the packed build")
        self.nonoccurrence_array = None
        corpus = corpus_token_ids
        n_docs, n_terms = len(corpus.lengths), max(unique_token_ids, default=-1) + 1
        docs = np.repeat(np.arange(n_docs, dtype=np.int64), corpus.lengths)
        # One sort of (term, doc) keys gives CSC order, and the run lengths are the term frequencies.
        pairs, tf = np.unique((corpus.terms.astype(np.int64) << 32) | docs, return_counts=True)
        cols, rows = pairs >> 32, (pairs & 0xFFFFFFFF).astype(self.int_dtype)
        doc_freqs = np.bincount(cols, minlength=n_terms)
        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(doc_freqs, out=indptr[1:])
        idf = self._idf(doc_freqs, n_docs)
        tfc = _select_tfc_scorer(self.method)(
            tf_array=tf.astype(self.dtype),
            l_d=corpus.lengths[rows],
            l_avg=corpus.lengths.mean(),  # the same float64 mean bm25s takes
            k1=self.k1,
            b=self.b,
            delta=self.delta,
        )
        data = (idf[cols] * tfc).astype(self.dtype)
        return {"data": data, "indices": rows, "indptr": indptr, "num_docs": n_docs}

    def _idf(self, doc_freqs: np.ndarray, n_docs: int) -> np.ndarray:
        """Per-term idf as bm25s computes it (Python floats, stored as float32), once per distinct df."""
        values, inverse = np.unique(doc_freqs, return_inverse=True)
        score = _select_idf_scorer(self.idf_method)
        per_value = [score(int(df), N=n_docs) if df else 0.0 for df in values]
        return np.asarray(per_value, dtype=np.float64).astype(self.dtype)[inverse]


class BM25Index:
    """An immutable BM25 index over chunks; one is built (or loaded from its snapshot) per knowledge-base version."""

    def __init__(self, chunk_ids: np.ndarray, model: bm25s.BM25 | None):
        self._ids = np.asarray(chunk_ids, dtype=np.int64)
        self._model = model if len(self._ids) else None

    @classmethod
    def build(cls, corpus: PackedCorpus) -> "BM25Index":
        if not len(corpus.chunk_ids):
            return cls(corpus.chunk_ids, None)
        model = _PackedBM25()
        model.index(Tokenized(ids=corpus, vocab=corpus.vocabulary), create_empty_token=False, show_progress=False)
        return cls(corpus.chunk_ids, model)

    def save(self, directory: Path) -> None:
        """Write into an empty `directory` (bm25s's own files plus the chunk ids); the caller makes it durable."""
        if self._model is not None:
            self._model.save(directory, show_progress=False)
        np.save(directory / _CHUNK_IDS, self._ids, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path) -> "BM25Index":
        """Raises (FileNotFoundError, ValueError, ...) when the snapshot is missing or unreadable."""
        ids = np.load(directory / _CHUNK_IDS, allow_pickle=False)
        if not len(ids):
            return cls(ids, None)
        model = bm25s.BM25.load(directory, show_progress=False)
        scores = model.scores
        entries = scores["indptr"][-1]
        if scores["num_docs"] != len(ids) or not len(scores["data"]) == len(scores["indices"]) == entries:
            raise ValueError(f"inconsistent BM25 snapshot in {directory}")
        return cls(ids, model)

    def document_frequencies(self, tokens: list[str]) -> tuple[list[int], int]:
        """(chunks holding each token, chunks in all): the CSC column lengths of the score matrix."""
        if self._model is None:
            return [0] * len(tokens), 0
        indptr = self._model.scores["indptr"]
        vocabulary = self._model.vocab_dict
        frequencies = []
        for token in tokens:
            term = vocabulary.get(token)
            frequencies.append(int(indptr[term + 1] - indptr[term]) if term is not None else 0)
        return frequencies, int(self._model.scores["num_docs"])

    def search(self, query_tokens: list[str], k: int) -> list[tuple[int, float]]:
        if self._model is None:
            return []
        token_ids = self._model.get_tokens_ids(query_tokens)
        if not token_ids:
            return []
        scores = self._model.get_scores_from_ids(token_ids)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(self._ids[i]), float(scores[i])) for i in top if scores[i] > 0]
