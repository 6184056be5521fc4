"""The embedding models a knowledge base may be created with (for the create dialog's choice)."""

from fastapi import APIRouter

from app.api.deps import CurrentUser, SettingsDep
from app.kernel.registry.embeddings import (
    ENSEMBLE_MODEL,
    MULTILINGUAL_MODELS,
    default_relevance_threshold,
    embedding_model_ids,
    recommended_mode,
)
from app.kernel.schemas.embedding_models import EmbeddingModelPublic

router = APIRouter(tags=["knowledge"])


@router.get("/embedding-models", response_model=list[EmbeddingModelPublic])
async def list_embedding_models(user: CurrentUser, settings: SettingsDep):
    """EMBEDDING_MODEL first, then EMBEDDING_MODELS."""
    return [
        EmbeddingModelPublic(
            id=model,
            is_default=model == settings.embedding_model,
            recommended_mode=recommended_mode(model),
            default_threshold=default_relevance_threshold(model, settings),
            multilingual=model in MULTILINGUAL_MODELS,
            ensemble=model == ENSEMBLE_MODEL,
        )
        for model in embedding_model_ids(settings)
    ]
