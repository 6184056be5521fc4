"""A torch-free stand-in for a Hugging Face tokenizer, enough for `app.kernel.training.encoding.encode_chat`.

Importing transformers pulls in torch, which the API process must not load; token statistics of an
upload only need `tokenizer.json` (the `tokenizers` library) and the chat template (Jinja).
"""

import json
from pathlib import Path
from typing import Any

from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment
from tokenizers import Tokenizer

SPECIAL_TOKENS = ("bos_token", "eos_token", "unk_token", "pad_token")


class TemplateError(ValueError):
    """The chat template refused a conversation (its own `raise_exception`)."""


def _raise(message: str) -> None:
    raise TemplateError(message)


def _token_text(value: Any) -> str | None:
    return value.get("content") if isinstance(value, dict) else value


def _chat_template(model_dir: Path, config: dict[str, Any]) -> str | None:
    template_file = model_dir / "chat_template.jinja"
    if template_file.is_file():
        return template_file.read_text()
    template = config.get("chat_template")
    if isinstance(template, list):  # named templates: [{"name": "default", "template": ...}, ...]
        named = {entry.get("name"): entry.get("template") for entry in template}
        return named.get("default")
    return template


class ChatTokenizer:
    """`apply_chat_template(..., tokenize=False)` and `encode(text, add_special_tokens=False)`."""

    def __init__(self, model_dir: Path | str):
        model_dir = Path(model_dir)
        config_path = model_dir / "tokenizer_config.json"
        config = json.loads(config_path.read_text()) if config_path.is_file() else {}
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._special = {name: _token_text(config.get(name)) for name in SPECIAL_TOKENS}
        template = _chat_template(model_dir, config)
        if not template:
            raise ValueError(f"{model_dir.name} has no chat template")
        # The same Jinja settings transformers uses for chat templates.
        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
        env.globals["raise_exception"] = _raise
        self._template = env.from_string(template)

    @classmethod
    def available(cls, model_dir: Path) -> bool:
        return (model_dir / "tokenizer.json").is_file()

    def apply_chat_template(
        self, messages: list[dict[str, str]], tokenize: bool = False, add_generation_prompt: bool = False
    ) -> str:
        if tokenize:
            raise ValueError("only tokenize=False is supported")
        return self._template.render(messages=messages, add_generation_prompt=add_generation_prompt, **self._special)

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        return self._tokenizer.encode(text, add_special_tokens=add_special_tokens).ids
