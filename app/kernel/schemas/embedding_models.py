from pydantic import BaseModel, Field

from app.kernel.schemas.knowledge import SearchMode


class EmbeddingModelPublic(BaseModel):
    """An embedding model a knowledge base may be created with, and the defaults it brings."""

    id: str
    is_default: bool = Field(description="The server's EMBEDDING_MODEL: a knowledge base naming none gets it")
    recommended_mode: SearchMode = Field(description="The retrieval_mode of a knowledge base that names none")
    default_threshold: float = Field(description="The relevance_threshold of a knowledge base that sets none")
    multilingual: bool = Field(description="Matches a question and a passage across languages")
    ensemble: bool = Field(description="Several embedders side by side: the best retrieval, slower indexing")
