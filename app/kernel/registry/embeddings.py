"""Embedding models users may name: EMBEDDING_MODEL plus EMBEDDING_MODELS, never a path or any other string.

A name reaches sentence-transformers, which loads any directory or hub id it is given (one 400 MB copy per
spelling), so the API refuses every other name before a job is queued, and the workers check again.
"""

from app.kernel.schemas.knowledge import SearchMode
from app.kernel.settings import Settings, get_settings


def embedding_model_ids(settings: Settings | None = None) -> list[str]:
    settings = settings or get_settings()
    return list(dict.fromkeys([settings.embedding_model, *settings.embedding_models]))


ENSEMBLE_MODEL = "multilingual-e5-small+all-MiniLM-L6-v2"
"""Both shipped embedders side by side, their rankings fused (worker.rag.ensemble_embedder)."""

# Relevance thresholds calibrated per embedding model on bench/kbeval's tune part, in the model's recommended
# mode (`python -m app.cli kb eval --calibrate --model NAME`): the decision's features spread differently
# under each model.
CALIBRATED_THRESHOLDS = {"multilingual-e5-small": 1.50, ENSEMBLE_MODEL: 1.84}

# The search mode a new knowledge base gets when it names none: the best on bench/kbeval's tune part. Under the
# multilingual models BM25 only drags dense ranking down (BENCHMARKS.md, "Fusion weights").
RECOMMENDED_MODES: dict[str, SearchMode] = {"multilingual-e5-small": "dense", ENSEMBLE_MODEL: "dense"}


# Models that match a question and a passage across languages (a Chinese question over English pages).
MULTILINGUAL_MODELS = frozenset({"multilingual-e5-small", ENSEMBLE_MODEL})

# Models that read English only: a Chinese question reaches them as its dictionary gloss (worker.rag.cjk_gloss).
ENGLISH_ONLY_MODELS = frozenset({"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"})


def recommended_mode(model: str) -> SearchMode:
    return RECOMMENDED_MODES.get(model, "hybrid")


def default_relevance_threshold(model: str, settings: Settings | None = None) -> float:
    """The threshold of a knowledge base that sets none: RELEVANCE_THRESHOLD for EMBEDDING_MODEL, else the
    model's calibrated one (RELEVANCE_THRESHOLD when it has none)."""
    settings = settings or get_settings()
    if model == settings.embedding_model:
        return settings.relevance_threshold
    return CALIBRATED_THRESHOLDS.get(model, settings.relevance_threshold)


def embedding_model_problem(name: str, settings: Settings | None = None) -> str | None:
    """Why `name` cannot be used as an embedding model, or None when it is one of the configured ones."""
    allowed = embedding_model_ids(settings)
    if name in allowed:
        return None
    return f"unknown embedding model {name[:100]!r}; available embedding models: {', '.join(allowed)}"
