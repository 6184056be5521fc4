"""SQLAlchemy tables; importing this package registers every table on `Base.metadata`."""

from app.kernel.models.base import Base
from app.kernel.models.conversation import Conversation, Message
from app.kernel.models.finetune import Dataset, FinetuneJob
from app.kernel.models.knowledge import Document, KnowledgeBase, UploadBatch
from app.kernel.models.usage import ModelEntry, TokenUsage
from app.kernel.models.user import ApiKey, RefreshToken, User

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
    "UploadBatch",
    "User",
]
