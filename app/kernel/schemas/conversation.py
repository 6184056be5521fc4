from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.kernel.models.conversation import MessageStatus
from app.kernel.schemas.common import IdRef, StrictModel


class ConversationSettings(StrictModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    model: str | None = Field(default=None, max_length=200)
    system_prompt: str | None = Field(default=None, max_length=8000)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    max_tokens: int | None = Field(default=None, ge=1, le=8192)
    knowledge_base_ids: list[IdRef] | None = Field(default=None, max_length=20)
    planner: Literal["none", "deterministic", "llm"] | None = None


class ConversationCreate(ConversationSettings):
    pass


class ConversationUpdate(ConversationSettings):
    pass


class ConversationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    model: str | None
    system_prompt: str | None
    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    knowledge_base_ids: list[int]
    planner: Literal["none", "deterministic", "llm"] | None
    created_at: datetime
    updated_at: datetime


class AttachmentRef(BaseModel):
    document_id: int
    filename: str


class MessagePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    conversation_id: int
    parent_id: int | None
    role: Literal["user", "assistant", "system"]
    content: str
    status: MessageStatus
    model: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    ttft_ms: float | None
    tokens_per_s: float | None
    latency_ms: float | None
    error: str | None
    citations: list[dict[str, Any]]
    tool_trace: list[dict[str, Any]]
    attachments: list[AttachmentRef] = Field(default_factory=list, description="A question's attached files")
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Generation settings asked for; `semantic_cache` = {hit, distance, source_message_id} "
        "when the answer was looked up in the semantic cache.",
    )
    created_at: datetime
    finished_at: datetime | None


class ConversationDetail(ConversationPublic):
    messages: list[MessagePublic]
