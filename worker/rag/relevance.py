"""Is anything in a knowledge base relevant to a question? One score from three features, and a threshold.

Raw cosine similarity alone cannot tell unanswerable questions from answerable ones (their ranges overlap), so
the score adds how much of the question the best passages cover lexically, and how far the best passage
stands out from the next ones:

- `similarity`: the best cosine(question, passage) among the top hits (the embedder's view);
- `margin`: that best cosine minus the mean of the five best: a question with an answer tends to have one
  passage well above the rest, an unanswerable one a flat list of near misses;
- `coverage`: the share of the question's content terms, weighted by their idf in this knowledge base, that
  the top passages contain after light stemming. A term absent from the whole knowledge base ("LDAP",
  "Kubernetes") weighs most and is never covered. Terms in a script the knowledge base has none of (a Chinese
  question over English pages) cannot be checked and are left out; a question with no checkable term gets
  coverage 1, so the decision rests on the embedder.

score = similarity + coverage + 5 x margin (the weight: the middle of the best plateau, 3.5-6, on the tune part
of bench/kbeval). The default threshold (RELEVANCE_THRESHOLD) was calibrated on the tune part of
bench/kbeval (`python -m worker.rag.eval --calibrate`); every knowledge base can set its own.
"""

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from app.kernel.settings import Settings
from worker.rag.bm25 import CJK_CHAR, tokenize

DEFAULT_THRESHOLD: float = Settings.model_fields["relevance_threshold"].default
COVERAGE_PASSAGES = 3  # the top hits whose terms count as "covered"
CANDIDATES = 10  # the top hits whose similarities are looked at
MARGIN_OVER = 5  # the margin is the best similarity minus the mean of this many best
MARGIN_WEIGHT = 5.0

QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how does do did is are was were can could should would will shall "
    "may might must i my me we our you your it its they their them he she his her a an the of to in on for with "
    "from by at as about into up out over after before and or but if then so than that this these those there "
    "here have has had get got make made use used any all some very really also just".split()
)
NOTHING_RELEVANT = {
    "en": "I could not find anything relevant to this question in your documents.",
    "zh": "在您的文档中没有找到与这个问题相关的内容。",
}


@dataclass(frozen=True)
class Relevance:
    relevant: bool
    score: float
    threshold: float
    similarity: float
    coverage: float
    margin: float

    def as_dict(self) -> dict:
        return {key: round(value, 4) if isinstance(value, float) else value for key, value in asdict(self).items()}


def stem(term: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(term) > len(suffix) + 2 and term.endswith(suffix):
            return term[: -len(suffix)]
    return term


def content_terms(question: str) -> list[str]:
    """The question's distinct search terms without question and function words."""
    return [t for t in dict.fromkeys(tokenize(question)) if t not in QUESTION_WORDS]


def coverage(terms: Sequence[str], frequencies: Sequence[int], chunks: int, passages: Sequence[str]) -> float:
    """Idf-weighted share of `terms` found in `passages`; `frequencies[i]` = chunks holding `terms[i]`."""
    present = {stem(t) for text in passages for t in tokenize(text)}
    total = covered = 0.0
    for term, frequency in zip(terms, frequencies, strict=True):
        if frequency == 0 and CJK_CHAR.search(term):
            continue  # a script this knowledge base does not contain: not checkable lexically
        weight = math.log(1 + (chunks - frequency + 0.5) / (frequency + 0.5))
        total += weight
        if stem(term) in present:
            covered += weight
    return covered / total if total else 1.0


def judge(similarity: float, coverage_share: float, margin: float, threshold: float = DEFAULT_THRESHOLD) -> Relevance:
    score = similarity + coverage_share + MARGIN_WEIGHT * margin
    return Relevance(score >= threshold, score, threshold, similarity, coverage_share, margin)


def similarity_features(similarities: Sequence[float | None]) -> tuple[float, float]:
    """(best similarity, margin) over the first CANDIDATES hits."""
    values = sorted((s for s in similarities[:CANDIDATES] if s is not None), reverse=True)
    if not values:
        return 0.0, 0.0
    best = values[:MARGIN_OVER]
    return values[0], values[0] - sum(best) / len(best)


def nothing_relevant_message(question: str) -> str:
    """The "nothing relevant" answer in the question's language (Chinese or English)."""
    return NOTHING_RELEVANT["zh" if CJK_CHAR.search(question) else "en"]
