"""OpenAI-compatible request/response bodies (the subset LocalMind serves)."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.kernel.schemas.common import Seed, without_nul


class OpenAIBase(BaseModel):
    """Unknown OpenAI parameters are accepted and ignored, as clients send many optional ones."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def drop_nul_characters(cls, data: Any) -> Any:
        return without_nul(data)


class ChatMessageIn(OpenAIBase):
    role: Literal["system", "user", "assistant", "developer"]
    content: str | list[dict[str, Any]]

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(part.get("text", "") for part in self.content if part.get("type") == "text")


class StreamOptions(OpenAIBase):
    include_usage: bool = False


class ChatCompletionRequest(OpenAIBase):
    model: str = Field(max_length=200)
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=500)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1, le=8192)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=8192)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    stop: str | list[str] | None = None
    seed: Seed | None = None
    top_k: int | None = Field(default=None, ge=0, le=1000, description="vLLM-style extension: 0 = off")
    repetition_penalty: float | None = Field(default=None, gt=0.0, le=10.0, description="vLLM-style extension")
    n: int = Field(default=1, ge=1, le=1, description="Only n=1 is supported")
    logprobs: bool | None = Field(default=None, description="Not supported: true is refused with 400")
    top_logprobs: int | None = Field(default=None, description="Not supported: refused with 400")
    tools: list[dict[str, Any]] | None = Field(default=None, description="Not supported yet: refused with 400")
    tool_choice: Any = Field(default=None, description="Not supported yet: anything but `none` is refused")
    functions: list[dict[str, Any]] | None = Field(default=None, description="Not supported: refused with 400")
    response_format: dict[str, Any] | None = Field(
        default=None, description='Only {"type": "text"}; JSON modes are refused with 400'
    )

    @field_validator("stop")
    @classmethod
    def _stops(cls, value: str | list[str] | None) -> list[str] | None:
        stops = [value] if isinstance(value, str) else value
        if stops and (len(stops) > 4 or any(not s for s in stops)):
            raise ValueError("stop must be up to 4 non-empty strings")
        return stops

    def unsupported(self) -> list[str]:
        """Parameters this request sets that the engines cannot honour (answered 400, never silently ignored)."""
        asked = {
            "logprobs": bool(self.logprobs),
            "top_logprobs": bool(self.top_logprobs),
            "tools": bool(self.tools),
            "tool_choice": self.tool_choice not in (None, "none"),
            "functions": bool(self.functions),
            "response_format": (self.response_format or {}).get("type", "text") != "text",
        }
        return [name for name, set_ in asked.items() if set_]

    def engine_messages(self) -> list[dict[str, str]]:
        return [{"role": "system" if m.role == "developer" else m.role, "content": m.text()} for m in self.messages]

    def engine_params(self) -> dict[str, Any]:
        params = {
            "max_new_tokens": self.max_completion_tokens or self.max_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "stop": self.stop,
            "seed": self.seed,
            "top_k": self.top_k,
            "repetition_penalty": self.repetition_penalty,
        }
        return {k: v for k, v in params.items() if v is not None}


class EmbeddingRequest(OpenAIBase):
    model: str | None = Field(default=None, max_length=200)
    input: str | list[str] = Field(description="Text or texts to embed (at most 256)")
    encoding_format: Literal["float", "base64"] = "float"

    @field_validator("input")
    @classmethod
    def _inputs(cls, value: str | list[str]) -> list[str]:
        texts = [value] if isinstance(value, str) else value
        if not texts or len(texts) > 256 or any(not t or len(t) > 32_000 for t in texts):
            raise ValueError("input must be 1-256 non-empty texts of at most 32000 characters")
        return texts


class ModelObject(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelObject]


class CompletionUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(BaseModel):
    index: int
    message: AssistantMessage
    finish_reason: Literal["stop", "length"]


class ChatCompletion(BaseModel):
    """The whole answer (`stream: false`); with `stream: true` the body is `chat.completion.chunk` events."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: CompletionUsage


class EmbeddingObject(BaseModel):
    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float] | str = Field(description="floats, or base64 little-endian float32 bytes")


class EmbeddingUsage(BaseModel):
    prompt_tokens: int
    total_tokens: int


class EmbeddingList(BaseModel):
    object: Literal["list"] = "list"
    data: list[EmbeddingObject]
    model: str
    usage: EmbeddingUsage
