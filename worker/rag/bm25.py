"""BM25 keyword search (bm25s): jieba words for CJK text, lowercase word tokens for everything else."""

import logging
import re

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_WORD = re.compile(r"\w+")
_STOPWORDS = set(STOPWORDS_EN) | {
    "的",
    "了",
    "是",
    "在",
    "和",
    "与",
    "及",
    "也",
    "就",
    "都",
    "而",
    "吗",
    "呢",
    "吧",
    "啊",
    "什么",
    "哪",
    "哪里",
    "如何",
    "怎么",
    "怎样",
    "为什么",
    "多少",
    "几",
    "哪些",
    "一个",
    "这",
    "那",
}


def tokenize(text: str) -> list[str]:
    text = text.lower()
    if _CJK.search(text):
        words = _jieba().lcut_for_search(text)
    else:
        words = _WORD.findall(text)
    return [w for w in words if w not in _STOPWORDS and _WORD.match(w)]


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


class BM25Index:
    """An immutable BM25 index over chunks; rebuilt from stored tokens whenever the knowledge base changes."""

    def __init__(self, ids: list[int], corpus_tokens: list[list[str]]):
        self._ids = np.asarray(ids, dtype=np.int64)
        self._model = bm25s.BM25()
        if ids:
            self._model.index(corpus_tokens, show_progress=False)

    def search(self, query_tokens: list[str], k: int) -> list[tuple[int, float]]:
        if not len(self._ids):
            return []
        token_ids = self._model.get_tokens_ids(query_tokens)
        if not token_ids:
            return []
        scores = self._model.get_scores_from_ids(token_ids)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(self._ids[i]), float(scores[i])) for i in top if scores[i] > 0]
