"""Constrained decoding for the transformers engine: llguidance masks every token that would break a JSON Schema.

vLLM does the same server-side (`structured_outputs`, worker/engine/vllm/engine.py). One `JsonConstraint` per
decoding row; the tokenizer's llguidance view is built once per tokenizer (~0.3 s for a 49k vocabulary).
"""

import threading
import weakref

import llguidance.hf
import numpy as np
import torch
from llguidance import LLMatcher, LLTokenizer

from app.kernel.registry.errors import InvalidRequestError

# json.dumps' separators, and no free whitespace: small models otherwise pad JSON with newlines forever.
JSON_STYLE = {"item_separator": ", ", "key_separator": ": ", "whitespace_flexible": False}
_BITS = torch.arange(32, dtype=torch.int32)

_tokenizers: "weakref.WeakKeyDictionary[object, LLTokenizer]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _ll_tokenizer(tokenizer) -> LLTokenizer:
    with _lock:
        if tokenizer not in _tokenizers:
            _tokenizers[tokenizer] = llguidance.hf.from_tokenizer(tokenizer)
        return _tokenizers[tokenizer]


class JsonConstraint:
    """Which tokens may come next so that the output stays a prefix of a JSON value matching `schema`."""

    def __init__(self, tokenizer, schema: str):
        grammar = LLMatcher.grammar_from_json_schema(schema, overrides=JSON_STYLE)
        self._matcher = LLMatcher(_ll_tokenizer(tokenizer), grammar, log_level=0)
        if self._matcher.is_error():
            raise InvalidRequestError(f"json_schema cannot be used: {self._matcher.get_error()}")

    def mask(self, logits: torch.Tensor) -> torch.Tensor:
        """`logits` (1-D) with every forbidden token at -inf; ids past the tokenizer's vocabulary are forbidden."""
        words = torch.from_numpy(np.frombuffer(self._matcher.compute_bitmask(), dtype=np.int32).copy())
        allowed = ((words.unsqueeze(1) >> _BITS) & 1).flatten().bool()
        keep = torch.zeros(logits.shape[-1], dtype=torch.bool)
        n = min(len(allowed), len(keep))
        keep[:n] = allowed[:n]
        return logits.masked_fill(~keep, float("-inf"))

    def advance(self, token_id: int) -> None:
        if not self._matcher.consume_token(token_id):
            raise RuntimeError(f"constrained decoding rejected token {token_id}: {self._matcher.get_error()}")

    @property
    def finished(self) -> bool:
        """The JSON value is complete: nothing but end-of-sequence may follow."""
        return self._matcher.is_stopped()
