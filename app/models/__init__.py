"""SQLAlchemy tables; importing this package registers every table on `Base.metadata`."""

from app.models.base import Base
from app.models.conversation import Conversation, Message
from app.models.user import ApiKey, RefreshToken, User

__all__ = ["ApiKey", "Base", "Conversation", "Message", "RefreshToken", "User"]
