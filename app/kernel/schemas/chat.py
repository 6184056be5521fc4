from pydantic import Field, field_validator

from app.kernel.schemas.common import IdRef, Seed, StrictModel


class GenerationParamsIn(StrictModel):
    max_new_tokens: int | None = Field(default=None, ge=1, le=8192)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    top_k: int | None = Field(default=None, ge=0, le=1000)
    repetition_penalty: float | None = Field(default=None, gt=0.0, le=10.0)
    stop: list[str] | None = Field(default=None, max_length=8)
    seed: Seed | None = None
    cache: bool | None = Field(
        default=None,
        description="false: never answer this question from the semantic cache (nor store its answer). "
        "Only single-turn questions at temperature 0 are ever cached.",
    )

    @field_validator("stop")
    @classmethod
    def _non_empty_stops(cls, value: list[str] | None) -> list[str] | None:
        if value and any(not s or len(s) > 64 for s in value):
            raise ValueError("stop strings must be 1-64 characters")
        return value


class MessageCreate(StrictModel):
    content: str = Field(description="The question; length limit from MAX_MESSAGE_CHARS")
    model: str | None = Field(default=None, max_length=200)
    params: GenerationParamsIn | None = None
    knowledge_base_ids: list[IdRef] | None = Field(default=None, max_length=20)
    attachment_ids: list[IdRef] | None = Field(
        default=None,
        max_length=10,
        description="Indexed documents from POST /conversations/{id}/attachments: this question's answer is "
        "grounded in them (with citations)",
    )
    parent_id: IdRef | None = Field(
        default=None,
        description="The message this question follows (edit-and-resend branches here; null = the first turn). "
        "Omitted: after the conversation's newest message.",
    )
    stream: bool = True


class RegenerateRequest(StrictModel):
    model: str | None = Field(default=None, max_length=200)
    params: GenerationParamsIn | None = None
    stream: bool = True
