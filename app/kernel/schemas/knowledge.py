from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.kernel.schemas.common import StrictModel

SearchMode = Literal["dense", "bm25", "hybrid"]


def _stripped_name(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        raise ValueError("name must not be blank")
    return value


class KnowledgeBaseCreate(StrictModel):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    embedding_model: str | None = Field(default=None, min_length=1, max_length=200)

    _name = field_validator("name")(_stripped_name)


class KnowledgeBaseUpdate(StrictModel):
    """The embedding model is fixed at creation: the stored vectors depend on it."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)

    _name = field_validator("name")(_stripped_name)


class KnowledgeBasePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None
    embedding_model: str
    created_at: datetime
    updated_at: datetime


class DocumentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    knowledge_base_id: int
    filename: str
    size_bytes: int
    status: Literal["queued", "parsing", "embedding", "indexed", "failed"]
    error: str | None
    pages: int | None
    chunks: int | None
    queue_position: int | None = Field(default=None, description="While queued: place in the indexing queue")
    queue_message: str | None = Field(
        default=None, description="While queued: why indexing is not starting (no indexing worker is running)"
    )
    created_at: datetime


class DocumentUploaded(DocumentPublic):
    """`duplicate`: the knowledge base already held this exact content; this is that earlier document."""

    duplicate: bool = False


class SearchRequest(StrictModel):
    query: str = Field(min_length=1, max_length=2000)
    mode: SearchMode = "hybrid"
    k: int = Field(default=5, ge=1, le=50)


class SearchHit(BaseModel):
    score: float
    similarity: float | None
    document_id: int
    filename: str
    page: int | None
    heading: str | None
    text: str


class SearchResponse(BaseModel):
    query: str
    mode: SearchMode
    hits: list[SearchHit]
