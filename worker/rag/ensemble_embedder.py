"""Several embedders as one: a chunk's vector is their normalized vectors side by side, scaled so that the
whole vector's cosine is the mean of theirs. worker.rag.dense_fusion ranks by each part and fuses the rankings.

The shipped ensemble is multilingual-e5-small (every language) + all-MiniLM-L6-v2 (English only): on
bench/kbeval the two disagree on paraphrases, and fused they find pages neither finds alone (BENCHMARKS.md).
An English-only part reads a question in Chinese, Japanese or Korean only through the English reading its caller
passes (worker.rag.cjk_gloss; a knowledge base passes one when its pages lack the question's terms); without
one its vector for such a question is noise, so that part of the query vector is left at zero.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from worker.rag.bm25 import CJK_CHAR


class PartEmbedder(Protocol):
    model_name: str
    dim: int
    max_tokens: int

    def count_tokens(self, text: str) -> int: ...

    def encode(self, texts: list[str]) -> np.ndarray: ...

    def encode_query(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True)
class Part:
    embedder: PartEmbedder
    english_only: bool = False

    def query_text(self, question: str, english: str | None) -> str | None:
        """What this part embeds for `question` (None: it does not vote)."""
        if self.english_only and CJK_CHAR.search(question):
            return english
        return question


class EnsembleEmbedder:
    def __init__(self, parts: Sequence[Part]):
        self.parts = list(parts)
        self.model_name = "+".join(part.embedder.model_name for part in self.parts)
        self.dim = sum(part.embedder.dim for part in self.parts)
        self.max_tokens = min(part.embedder.max_tokens for part in self.parts)
        bounds = np.cumsum([0] + [part.embedder.dim for part in self.parts])
        self.segments = [slice(int(start), int(end)) for start, end in zip(bounds, bounds[1:], strict=False)]
        self.needs_english_reading = any(part.english_only for part in self.parts)

    def count_tokens(self, text: str) -> int:
        """The longest count: a chunk must fit every part's window."""
        return max(part.embedder.count_tokens(text) for part in self.parts)

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.hstack([part.embedder.encode(texts) for part in self.parts]) / np.sqrt(len(self.parts))
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str, english: str | None = None) -> np.ndarray:
        """Unit length over the parts that vote on `text`; zero in the others' segments. `english`: a CJK
        question's English reading, for the English-only parts."""
        vector = np.zeros(self.dim, dtype=np.float32)
        parts = zip(self.parts, self.segments, strict=True)
        voters = [(part, segment, part.query_text(text, english)) for part, segment in parts]
        voters = [(part, segment, query) for part, segment, query in voters if query is not None]
        for part, segment, query in voters:
            vector[segment] = part.embedder.encode_query(query)
        return vector / np.sqrt(len(voters))
