"""OpenAI-compatible request/response bodies (the subset LocalMind serves)."""

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from app.kernel.schemas.common import Seed, without_nul


class OpenAIBase(BaseModel):
    """Unknown OpenAI parameters are accepted and ignored, as clients send many optional ones."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def drop_nul_characters(cls, data: Any) -> Any:
        return without_nul(data)


FUNCTION_NAME = r"^[a-zA-Z0-9_-]{1,64}$"


class FunctionCall(OpenAIBase):
    name: str = Field(pattern=FUNCTION_NAME)
    arguments: str = Field(max_length=32_000, description="The arguments as a JSON object, encoded as a string")

    @field_validator("arguments")
    @classmethod
    def _json_object(cls, value: str) -> str:
        try:
            parsed = json.loads(value or "{}")
        except json.JSONDecodeError as exc:
            raise ValueError(f"arguments must be a JSON object encoded as a string: {exc}") from exc
        if not isinstance(parsed, dict):
            raise ValueError("arguments must be a JSON object encoded as a string")
        return value


class ToolCall(OpenAIBase):
    """One function call the assistant made: in a response, or sent back in the history."""

    id: str = Field(max_length=200)
    type: Literal["function"] = "function"
    function: FunctionCall


class ChatMessageIn(OpenAIBase):
    role: Literal["system", "user", "assistant", "developer", "tool"]
    content: str | list[dict[str, Any]] | None = Field(
        default=None, description="Required except on an assistant message that carries tool_calls"
    )
    tool_calls: list[ToolCall] | None = Field(default=None, max_length=32, description="Assistant messages only")
    tool_call_id: str | None = Field(default=None, max_length=200, description="Tool messages: the call answered")

    @model_validator(mode="after")
    def _content_or_calls(self) -> "ChatMessageIn":
        if self.tool_calls and self.role != "assistant":
            raise ValueError("only assistant messages carry tool_calls")
        if self.content is None and not (self.role == "assistant" and self.tool_calls):
            raise ValueError(f"a {self.role} message needs content")
        return self

    def text(self) -> str:
        if self.content is None or isinstance(self.content, str):
            return self.content or ""
        return "".join(part.get("text", "") for part in self.content if part.get("type") == "text")

    def engine_message(self) -> dict[str, Any]:
        """The message as the engines take it: tool-call arguments decoded, as chat templates expect."""
        message: dict[str, Any] = {"role": "system" if self.role == "developer" else self.role, "content": self.text()}
        if self.tool_calls:
            message["tool_calls"] = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.function.name, "arguments": json.loads(call.function.arguments or "{}")},
                }
                for call in self.tool_calls
            ]
        if self.tool_call_id:
            message["tool_call_id"] = self.tool_call_id
        return message


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
    tools: list[dict[str, Any]] | None = Field(
        default=None,
        max_length=64,
        description="Functions the model may call: `{type: function, function: {name, description, parameters}}` "
        "with `parameters` a JSON Schema of type object; a bad definition is answered 400 `invalid_tools`",
    )
    tool_choice: Any = Field(
        default=None,
        description='`auto` (default with tools), `none`, `required`, or `{"type": "function", "function": '
        '{"name": ...}}`; `required` and a named function decode under the tools\' JSON Schemas, so the call '
        "always fits them",
    )
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
            "functions": bool(self.functions),
            "response_format": (self.response_format or {}).get("type", "text") != "text",
        }
        return [name for name, set_ in asked.items() if set_]

    def engine_messages(self) -> list[dict[str, Any]]:
        return [message.engine_message() for message in self.messages]

    def tool_request(self) -> tuple[list[dict[str, Any]], "ToolChoice"]:
        """The validated tools (OpenAI function definitions) and the choice among them; raises `ToolsError`."""
        try:
            tools = _TOOLS.validate_python(self.tools or [])
            choice = _CHOICE.validate_python("auto" if self.tool_choice is None else self.tool_choice)
        except ValidationError as exc:
            raise ToolsError(_problems(exc)) from exc
        names = [tool.function.name for tool in tools]
        if len(set(names)) < len(names):
            raise ToolsError(["tools: each function name may appear once"])
        if not tools and choice != "none" and self.tool_choice is not None:
            raise ToolsError(["tool_choice needs tools: send the functions the model may call in `tools`"])
        if isinstance(choice, NamedToolChoice) and choice.function.name not in names:
            raise ToolsError(
                [f"tool_choice names '{choice.function.name}', which is not in tools ({', '.join(names)})"]
            )
        return [tool.model_dump(exclude_none=True) for tool in tools], choice

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


class ToolsError(ValueError):
    """`tools` / `tool_choice` that cannot be used; `problems` name each field (answered 400)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _problems(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()[:5]]


_JSON_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}


def schema_problems(schema: Any, path: str = "parameters") -> list[str]:
    """Structural mistakes in a JSON Schema that would make a tool unusable (unknown types, a `required` that is
    not a list of property names, properties that are not schemas)."""
    if isinstance(schema, bool):
        return []
    if not isinstance(schema, dict):
        return [f"{path} must be a JSON Schema object"]
    problems = []
    types = schema.get("type", [])
    for kind in [types] if isinstance(types, str) else types if isinstance(types, list) else [types]:
        if kind not in _JSON_TYPES:
            problems.append(f"{path}.type {kind!r} is not one of {', '.join(sorted(_JSON_TYPES))}")
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        problems.append(f"{path}.properties must be an object of schemas")
        properties = {}
    for name, sub in properties.items():
        problems += schema_problems(sub, f"{path}.properties.{name}")
    required = schema.get("required", [])
    if not isinstance(required, list) or any(not isinstance(r, str) for r in required):
        problems.append(f"{path}.required must be a list of property names")
    elif missing := [r for r in required if properties and r not in properties]:
        problems.append(f"{path}.required names {', '.join(missing)}, not in {path}.properties")
    if "items" in schema:
        problems += schema_problems(schema["items"], f"{path}.items")
    for key in ("anyOf", "oneOf", "allOf"):
        for i, sub in enumerate(schema.get(key, []) if isinstance(schema.get(key, []), list) else [None]):
            problems += schema_problems(sub, f"{path}.{key}[{i}]")
    return problems


class FunctionDefinition(OpenAIBase):
    name: str = Field(pattern=FUNCTION_NAME, description="Letters, digits, _ and -, at most 64")
    description: str | None = Field(default=None, max_length=4000)
    parameters: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}},
        description="JSON Schema of the arguments object (type object)",
    )
    strict: bool | None = None

    @field_validator("parameters")
    @classmethod
    def _object_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value.get("type", "object") != "object":
            raise ValueError("parameters must be a JSON Schema with type object (the arguments are an object)")
        if problems := schema_problems(value):
            raise ValueError("; ".join(problems))
        return {"type": "object", "properties": {}, **value}


class ToolDefinition(OpenAIBase):
    type: Literal["function"]
    function: FunctionDefinition


class NamedFunction(OpenAIBase):
    name: str


class NamedToolChoice(OpenAIBase):
    type: Literal["function"]
    function: NamedFunction


ToolChoice = Literal["none", "auto", "required"] | NamedToolChoice
_TOOLS = TypeAdapter(list[ToolDefinition])
_CHOICE: TypeAdapter[ToolChoice] = TypeAdapter(ToolChoice)


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
    content: str | None = Field(description="null when the answer is only tool_calls")
    tool_calls: list[ToolCall] | None = None


class ChatChoice(BaseModel):
    index: int
    message: AssistantMessage
    finish_reason: Literal["stop", "length", "tool_calls"]


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
