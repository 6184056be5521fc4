"""Feedback on answers and the datasets curated from it: request and response shapes."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.kernel.schemas.common import Seed, StrictModel
from app.kernel.schemas.finetune import DatasetPublic

MAX_TEXT = 32_000
Rating = Literal["up", "down"]
ChatMessage = dict[str, str]


def _blank_to_none(value: str | None) -> str | None:
    return value if value is None or value.strip() else None


class FeedbackIn(StrictModel):
    """Thumbs up/down on an answer; `corrected_answer` is "here is the right answer"."""

    rating: Rating
    comment: str | None = Field(default=None, max_length=4000)
    corrected_answer: str | None = Field(default=None, max_length=MAX_TEXT)

    _blank = field_validator("comment", "corrected_answer")(_blank_to_none)


class FeedbackPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    message_id: int
    conversation_id: int
    rating: Rating
    comment: str | None
    corrected_answer: str | None
    model: str | None = Field(description="The model id that produced the answer, `<base>+<adapter>` for an adapter")
    adapter: str | None
    knowledge_base_ids: list[int]
    prompt: list[ChatMessage] = Field(description="The conversation the model saw, up to the question")
    answer: str
    created_at: datetime
    updated_at: datetime


class FeedbackPage(BaseModel):
    items: list[FeedbackPublic]
    total: int


class ModelFeedbackSummary(BaseModel):
    model: str | None
    up: int
    down: int
    corrected: int
    approval: float | None = Field(description="up / (up + down); null without ratings")


class FeedbackSummary(BaseModel):
    """Everyone's feedback aggregated for administrators: counts only, no text."""

    total: int
    up: int
    down: int
    corrected: int
    users: int
    by_model: list[ModelFeedbackSummary]


class FeedbackDatasetCreate(StrictModel):
    name: str = Field(min_length=1, max_length=200)
    scope: Literal["mine", "all"] = Field(default="mine", description="`all` (every user's feedback) is admin-only")
    include_approved: bool = Field(default=False, description="Thumbs-up answers become training pairs too")
    model: str | None = Field(default=None, max_length=200, description="Only feedback on answers of this model id")
    held_out_fraction: float = Field(default=0.0, ge=0.0, le=0.5, description="Training pairs marked held out")
    seed: Seed = 0


class SampleUpdate(StrictModel):
    """Review edits: the answer to teach, the rejected answer of a preference pair, held out or not."""

    chosen: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    rejected: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    held_out: bool | None = None


class SamplePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    feedback_id: int | None
    kind: Literal["sft", "preference"]
    origin: Literal["corrected", "approved", "sibling"]
    prompt: list[ChatMessage]
    chosen: str
    rejected: str | None
    held_out: bool


class FeedbackDatasetPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    scope: Literal["mine", "all"]
    filters: dict[str, object]
    skipped: list[dict[str, object]] = Field(description="Feedback left out, with the reason")
    created_at: datetime
    counts: dict[str, int] = Field(default_factory=dict, description="train, held_out, preference")


class FeedbackDatasetDetail(FeedbackDatasetPublic):
    samples: list[SamplePublic]


class DedupeResult(BaseModel):
    removed: int
    dataset: FeedbackDatasetDetail


class PublishRequest(StrictModel):
    base_model: str | None = Field(default=None, max_length=200, description="Tokenizer for the token statistics")
    format: Literal["chat", "dpo"] = Field(
        default="chat", description="chat: the training pairs (lora/qlora); dpo: the preference pairs (method dpo)"
    )


class PublishedDatasets(BaseModel):
    """Fine-tuning datasets ready for `POST /finetune/jobs` (`dataset_id`, `eval_dataset_id`)."""

    train: DatasetPublic
    held_out: DatasetPublic | None
