"""Fine-tuning settings and their validation; torch-free so the API can reject a bad job before queueing."""

from dataclasses import asdict, dataclass, fields
from typing import Any

from app.kernel.training.errors import ConfigError

METHODS = ("lora", "qlora", "dpo")  # dpo: LoRA trained on preference pairs (TRL)
MAX_BETA = 10.0
MAX_LEARNING_RATE = 1e-2
MAX_RANK = 1024
MAX_EVAL_FRACTION = 0.5

# Attention projections per `config.model_type`; LoRA on query and value is the classic, cheap default.
DEFAULT_TARGET_MODULES: dict[str, list[str]] = {
    "llama": ["q_proj", "v_proj"],
    "mistral": ["q_proj", "v_proj"],
    "mixtral": ["q_proj", "v_proj"],
    "qwen2": ["q_proj", "v_proj"],
    "qwen3": ["q_proj", "v_proj"],
    "gemma": ["q_proj", "v_proj"],
    "gemma2": ["q_proj", "v_proj"],
    "phi3": ["qkv_proj"],
    "chatglm": ["query_key_value"],
    "falcon": ["query_key_value"],
    "gpt2": ["c_attn"],
}


@dataclass
class TrainConfig:
    method: str = "lora"
    rank: int = 8
    alpha: float = 16.0
    dropout: float = 0.05
    target_modules: list[str] | None = None  # None: DEFAULT_TARGET_MODULES for the base model's architecture
    learning_rate: float = 2e-4
    epochs: int = 1
    max_steps: int | None = None  # when set, overrides epochs
    batch_size: int = 8
    grad_accum: int = 1
    max_seq_len: int = 512
    warmup_steps: int = 0
    seed: int = 0
    eval_fraction: float = 0.0
    beta: float = 0.1  # dpo only: how far the adapter may move from the base model's preferences

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "TrainConfig":
        """Build from a job payload; unknown keys are an error rather than silently ignored."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(unknown[0], "unknown training setting")
        return cls(**{key: value for key, value in values.items() if value is not None})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def validate(self, max_context: int | None = None) -> "TrainConfig":
        """Raise ConfigError naming the first bad field; `max_context` is the base model's context length."""
        if self.method not in METHODS:
            raise ConfigError("method", f"must be one of {', '.join(METHODS)}, got {self.method!r}")
        _check_int("rank", self.rank, 1, MAX_RANK)
        _check_number("alpha", self.alpha, low=0, low_inclusive=False)
        _check_number("dropout", self.dropout, low=0, high=1, high_inclusive=False)
        if self.target_modules is not None and (
            not isinstance(self.target_modules, list)
            or not self.target_modules
            or not all(isinstance(name, str) and name for name in self.target_modules)
        ):
            raise ConfigError("target_modules", "must be a non-empty list of module names, or omitted")
        _check_number("learning_rate", self.learning_rate, low=0, high=MAX_LEARNING_RATE, low_inclusive=False)
        _check_int("epochs", self.epochs, 1)
        if self.max_steps is not None:
            _check_int("max_steps", self.max_steps, 1)
        _check_int("batch_size", self.batch_size, 1)
        _check_int("grad_accum", self.grad_accum, 1)
        _check_int("max_seq_len", self.max_seq_len, 16, max_context)
        _check_int("warmup_steps", self.warmup_steps, 0)
        _check_int("seed", self.seed, 0)
        _check_number("eval_fraction", self.eval_fraction, low=0, high=MAX_EVAL_FRACTION)
        _check_number("beta", self.beta, low=0, high=MAX_BETA, low_inclusive=False)
        return self


def default_target_modules(model_type: str) -> list[str]:
    try:
        return list(DEFAULT_TARGET_MODULES[model_type])
    except KeyError:
        raise ConfigError(
            "target_modules", f"no default for architecture {model_type!r}; name the modules to adapt"
        ) from None


def _check_int(name: str, value: Any, low: int, high: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(name, f"must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        suffix = " (the base model's context length)" if name == "max_seq_len" and high is not None else ""
        raise ConfigError(name, f"must be {bound}{suffix}, got {value}")


def _check_number(
    name: str,
    value: Any,
    low: float,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ConfigError(name, f"must be a number, got {value!r}")
    too_low = value < low if low_inclusive else value <= low
    too_high = high is not None and (value > high if high_inclusive else value >= high)
    if too_low or too_high:
        lower = "[" if low_inclusive else "("
        upper = ("]" if high_inclusive else ")") if high is not None else ")"
        raise ConfigError(name, f"must be in {lower}{low}, {high if high is not None else 'inf'}{upper}, got {value}")
