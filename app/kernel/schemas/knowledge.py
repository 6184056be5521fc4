from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.kernel.models.knowledge import DocumentStatus
from app.kernel.schemas.common import StrictModel

SearchMode = Literal["dense", "bm25", "hybrid"]
THRESHOLD_DOC = (
    "Relevance score (query-term coverage + 0.5 x standout, 0-3) below which the knowledge "
    "base has 'nothing relevant'; null = the deployment's RELEVANCE_THRESHOLD."
)


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
    retrieval_mode: SearchMode | None = Field(
        default=None, description="Default: the embedding model's best mode (dense for the multilingual ones)"
    )
    relevance_threshold: float | None = Field(default=None, ge=0, le=3, description=THRESHOLD_DOC)

    _name = field_validator("name")(_stripped_name)


class KnowledgeBaseUpdate(StrictModel):
    """The embedding model is fixed at creation: the stored vectors depend on it."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    retrieval_mode: SearchMode | None = None
    relevance_threshold: float | None = Field(default=None, ge=0, le=3, description=THRESHOLD_DOC)

    _name = field_validator("name")(_stripped_name)


class KnowledgeBasePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None
    embedding_model: str
    retrieval_mode: SearchMode
    relevance_threshold: float | None
    created_at: datetime
    updated_at: datetime


class DocumentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    knowledge_base_id: int
    filename: str
    size_bytes: int
    status: DocumentStatus
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
    mode: SearchMode | None = Field(default=None, description="Default: the knowledge base's retrieval_mode")
    k: int = Field(default=5, ge=1, le=50)


class SearchHit(BaseModel):
    score: float
    similarity: float | None
    document_id: int
    filename: str
    page: int | None
    heading: str | None
    text: str


class Relevance(BaseModel):
    """The "nothing relevant" decision: `relevant` is `score >= threshold`,
    score = coverage + 0.5 x standout."""

    relevant: bool
    score: float
    threshold: float
    similarity: float = Field(description="Best cosine similarity of the question and a top passage")
    coverage: float = Field(description="Idf-weighted share of the question's terms the top passages contain")
    standout: float = Field(
        description="How far the best similarity stands above the 60 nearest chunks', in standard deviations"
    )


class SearchResponse(BaseModel):
    query: str
    mode: SearchMode
    hits: list[SearchHit]
    relevance: Relevance | None = Field(default=None, description="None when nothing is indexed yet")


class BatchFile(BaseModel):
    """One file of a bulk upload: `document_id` (with the document's current status) unless it was skipped."""

    filename: str
    document_id: int | None = None
    status: Literal["queued", "parsing", "embedding", "indexed", "failed", "skipped", "deleted"]
    duplicate: bool = Field(default=False, description="The knowledge base already held this content")
    error: str | None = Field(default=None, description="Why it was skipped or failed")
    code: str | None = Field(default=None, description="Machine-readable reason of a skipped file")


class BatchPublic(BaseModel):
    """A bulk upload's progress: `counts` per status over its files; `done` once none is queued or indexing."""

    id: str
    knowledge_base_id: int
    created_at: datetime
    total: int
    counts: dict[str, int]
    done: bool
    files: list[BatchFile]
