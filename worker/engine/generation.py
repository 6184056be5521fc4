"""What callers send (generation parameters) and get back (token events and a completion)."""

from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from app.kernel.registry.errors import InvalidRequestError

FinishReason = Literal["stop", "length", "cancelled"]
SEED_MAX = 2**63 - 1
"""torch generators and vLLM take signed 64-bit seeds; a larger one used to fail a whole batch."""

BUILTIN_DEFAULTS: dict[str, Any] = {
    "max_new_tokens": 512,
    "temperature": 0.7,
    "top_p": 1.0,
    "top_k": 0,
    "repetition_penalty": 1.0,
    "stop": (),
    "seed": None,
    "json_schema": None,
    "tools": None,
}


@dataclass(frozen=True)
class GenerationParams:
    """Unset (None) fields take the model's catalogue defaults, then the built-in ones.

    temperature 0 means greedy decoding; top_k 0 and top_p 1.0 disable those filters. `json_schema` (a JSON
    Schema as JSON text) constrains the output to one JSON value matching it (worker/engine/constrained.py).
    `tools` (a JSON list of OpenAI function schemas) is rendered into the prompt by the model's chat template
    where the template has a tool-calling format, and ignored otherwise (`Engine.has_tool_template`).
    """

    max_new_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    repetition_penalty: float | None = None
    stop: tuple[str, ...] | None = None
    seed: int | None = None
    json_schema: str | None = None
    tools: str | None = None

    def resolve(self, model_defaults: dict[str, Any]) -> "GenerationParams":
        values = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                value = model_defaults.get(f.name, BUILTIN_DEFAULTS[f.name])
            values[f.name] = value
        values["stop"] = tuple(values["stop"] or ())
        resolved = replace(self, **values)
        resolved.validate()
        return resolved

    def validate(self) -> None:
        problems = []
        if self.max_new_tokens is not None and self.max_new_tokens < 1:
            problems.append("max_new_tokens must be >= 1")
        if self.temperature is not None and self.temperature < 0:
            problems.append("temperature must be >= 0")
        if self.top_p is not None and not 0 < self.top_p <= 1:
            problems.append("top_p must be in (0, 1]")
        if self.top_k is not None and self.top_k < 0:
            problems.append("top_k must be >= 0")
        if self.repetition_penalty is not None and self.repetition_penalty <= 0:
            problems.append("repetition_penalty must be > 0")
        if self.stop and any(not s for s in self.stop):
            problems.append("stop strings must be non-empty")
        if self.seed is not None and not 0 <= self.seed <= SEED_MAX:
            problems.append(f"seed must be between 0 and {SEED_MAX} (2^63-1)")
        if problems:
            raise InvalidRequestError("invalid generation parameters: " + "; ".join(problems))


@dataclass(frozen=True)
class Completion:
    model_id: str
    text: str
    finish_reason: FinishReason
    prompt_tokens: int
    completion_tokens: int
    ttft_ms: float
    tokens_per_s: float
    truncated_history: bool = False


@dataclass(frozen=True)
class TokenEvent:
    """A piece of new text; the last event of a stream has empty text and carries the `completion`."""

    text: str
    completion: Completion | None = field(default=None)

    @property
    def done(self) -> bool:
        return self.completion is not None
