"""Is anything in a knowledge base relevant to a question? One score from two features, and a threshold.

Raw cosine similarity alone cannot tell unanswerable questions from answerable ones (their ranges overlap, and
every embedder has its own range), so the score combines:

- `standout`: how far the best passage's cosine similarity stands above the question's near neighbours in this
  knowledge base, in standard deviations (z-score of the best of the POOL nearest chunks). A question with an
  answer has one passage well above the rest; an unanswerable one a flat list of near misses. A knowledge base
  smaller than POOL chunks is topped up with fixed background sentences (worker.rag.background), so the
  feature means the same on one document as on thousands.
- `coverage`: the share of the question's content terms, weighted by their idf in this knowledge base, that
  the top passages contain after light stemming. A term absent from the whole knowledge base ("LDAP",
  "Kubernetes") weighs most and is never covered. Terms in a script the knowledge base has none of (a Chinese
  question over English pages) cannot be checked and are left out; a question with no checkable term gets
  coverage 1, so the decision rests on the embedder.

score = coverage + 0.5 x standout. On bench/kbeval's tune part (all-MiniLM-L6-v2) every weight from 0.3 to 0.7
abstained on all unanswerable questions with no false abstention; 0.5 is the middle. `similarity` (the best
cosine) is reported with the decision but not scored. The default threshold (RELEVANCE_THRESHOLD) was
calibrated on the tune part (`python -m app.cli kb eval --calibrate`); every knowledge base can set its own.
"""

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from app.kernel.settings import Settings
from worker.rag.bm25 import CJK_CHAR, tokenize

DEFAULT_THRESHOLD: float = Settings.model_fields["relevance_threshold"].default
COVERAGE_PASSAGES = 3  # the top hits whose terms count as "covered"
CANDIDATES = 10  # hits a search asks for at least, so that coverage and the citations come from the same list
POOL = 60  # nearest chunks whose similarities the best one is compared with
STANDOUT_WEIGHT = 0.5

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
    standout: float

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


def judge(similarity: float, coverage_share: float, standout: float, threshold: float = DEFAULT_THRESHOLD) -> Relevance:
    score = coverage_share + STANDOUT_WEIGHT * standout
    return Relevance(score >= threshold, score, threshold, similarity, coverage_share, standout)


def standout(similarities: Sequence[float], background: Sequence[float] = ()) -> tuple[float, float]:
    """(best similarity, its z-score) among the POOL best `similarities`, topped up from `background`."""
    nearest = sorted(similarities, reverse=True)[:POOL]
    if not nearest:
        return 0.0, 0.0
    pool = nearest + sorted(background, reverse=True)[: POOL - len(nearest)]
    mean = sum(pool) / len(pool)
    spread = math.sqrt(sum((s - mean) ** 2 for s in pool) / len(pool))
    return nearest[0], (nearest[0] - mean) / spread if spread > 1e-9 else 0.0


def nothing_relevant_message(question: str) -> str:
    """The "nothing relevant" answer in the question's language (Chinese or English)."""
    return NOTHING_RELEVANT["zh" if CJK_CHAR.search(question) else "en"]
