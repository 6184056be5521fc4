"""Incremental detokenization with stop strings: emit only text that can no longer change or be cut."""

REPLACEMENT_CHAR = "\ufffd"


class StreamDecoder:
    """Turns a growing list of token ids into text deltas.

    Text that might be the beginning of a stop string, or an incomplete multi-byte character, is held back
    until the next token settles it, so the concatenated deltas always equal the final text.
    """

    def __init__(self, tokenizer, stop: tuple[str, ...] = ()):
        self._tokenizer = tokenizer
        self._stop = stop
        self._ids: list[int] = []
        self._emitted = 0
        self.text = ""
        self.stopped = False

    def add(self, token_id: int) -> str:
        self._ids.append(token_id)
        text = self._tokenizer.decode(self._ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)
        if text.endswith(REPLACEMENT_CHAR):
            return ""
        self.text = text
        cut = self._earliest_stop(text)
        if cut is not None:
            self.text = text[:cut]
            self.stopped = True
            return self.flush()
        safe_end = len(text) - self._held_back(text)
        return self._emit(safe_end)

    def flush(self) -> str:
        return self._emit(len(self.text))

    def _emit(self, end: int) -> str:
        if end <= self._emitted:
            return ""
        delta = self.text[self._emitted : end]
        self._emitted = end
        return delta

    def _earliest_stop(self, text: str) -> int | None:
        hits = [i for s in self._stop if (i := text.find(s, max(0, self._emitted - len(s)))) >= 0]
        return min(hits) if hits else None

    def _held_back(self, text: str) -> int:
        """Length of the longest tail of `text` that is a proper prefix of some stop string."""
        return max((k for s in self._stop for k in range(len(s) - 1, 0, -1) if text.endswith(s[:k])), default=0)
