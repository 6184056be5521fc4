"""One registry entry: where a model's weights come from and how to load and serve it."""

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SOURCE_KINDS = ("hub", "dir", "gguf", "pypi")


class ModelSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    display_name: str = ""
    source: str = ""
    backend: Literal["transformers", "openai"] = "transformers"
    engine: Literal["auto", "vllm", "transformers"] = "auto"
    """For local weights: `auto` = vLLM where it is installed and serves the model (worker/engine/routing.py)."""
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    quantization: Literal["none", "4bit", "8bit"] = "none"
    device: str = Field(default="auto", pattern=r"^(auto|cpu|cuda(:\d+)?)$")
    context_length: int | None = Field(default=None, gt=0)
    chat_template: str | None = None
    trust_remote_code: bool = False
    generation: dict[str, Any] = Field(default_factory=dict)
    max_batch_size: int = Field(default=8, gt=0)
    base_url: str | None = None
    api_key_env: str | None = None
    remote_model: str | None = None

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        if value and value.split(":", 1)[0] not in SOURCE_KINDS:
            raise ValueError(f"source {value!r} must start with one of {', '.join(k + ':' for k in SOURCE_KINDS)}")
        return value

    def model_post_init(self, _context: Any) -> None:
        if self.backend == "openai" and not self.base_url:
            raise ValueError(f"model {self.id!r}: the openai backend needs base_url")
        if self.backend == "transformers" and not self.source:
            raise ValueError(f"model {self.id!r}: the transformers backend needs a source")

    @property
    def source_kind(self) -> str:
        return self.source.split(":", 1)[0]

    @property
    def source_ref(self) -> str:
        return self.source.split(":", 1)[1] if ":" in self.source else ""

    @property
    def local_dir(self) -> Path | None:
        """For `dir:` sources the weights are served in place; other sources live in the model store."""
        return Path(self.source_ref).expanduser() if self.source_kind == "dir" else None
