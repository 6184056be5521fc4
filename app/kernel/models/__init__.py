"""SQLAlchemy tables; importing this package registers every table on `Base.metadata`."""

from app.kernel.models.base import Base
from app.kernel.models.conversation import Conversation, Message
from app.kernel.models.feedback import FeedbackDataset, FeedbackSample, MessageFeedback
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
    "FeedbackDataset",
    "FeedbackSample",
    "FinetuneJob",
    "KnowledgeBase",
    "Message",
    "MessageFeedback",
    "ModelEntry",
    "RefreshToken",
    "TokenUsage",
    "UploadBatch",
    "User",
]
