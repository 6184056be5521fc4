"""SQLAlchemy tables; importing this package registers every table on `Base.metadata`."""

from app.models.base import Base
from app.models.conversation import Conversation, Message
from app.models.finetune import Dataset, FinetuneJob
from app.models.knowledge import Document, KnowledgeBase
from app.models.usage import ModelEntry, TokenUsage
from app.models.user import ApiKey, RefreshToken, User

__all__ = [
    "ApiKey",
    "Base",
    "Conversation",
    "Dataset",
    "Document",
    "FinetuneJob",
    "KnowledgeBase",
    "Message",
    "ModelEntry",
    "RefreshToken",
    "TokenUsage",
    "User",
]
