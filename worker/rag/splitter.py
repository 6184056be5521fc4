"""Recursive splitter measured in embedding-model tokens: paragraphs, lines, sentences (CJK and Latin),
clauses, words, and finally characters, then greedy packing with overlap. Chunks never cross a section,
so each keeps its page and heading; none exceeds the model's maximum length.
"""

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from worker.rag.loaders import Section

# Each level splits *after* its separator so joining the pieces gives back the text unchanged.
_LEVELS = [
    re.compile(r"\n[ \t]*\n\s*"),
    re.compile(r"\n\s*"),
    re.compile(r"(?:[。！？；…]+[”’\"』」）)]*|[.!?;]+[\"'”’)\]]*(?=\s|$))\s*"),
    re.compile(r"(?:[，、：]|[,:](?=\s))\s*"),
    re.compile(r"\s+"),
]


@dataclass(frozen=True)
class Chunk:
    text: str
    page: int | None
    heading: str | None
    index: int


def split_sections(
    sections: Iterable[Section],
    count_tokens: Callable[[str], int],
    chunk_size: int = 180,
    overlap: int = 30,
    max_tokens: int | None = None,
) -> Iterator[Chunk]:
    """Yield chunks of at most `chunk_size` tokens (capped by `max_tokens`), consecutive ones sharing
    up to `overlap` tokens of whole sentences/clauses."""
    limit = min(chunk_size, max_tokens) if max_tokens else chunk_size
    if overlap >= limit:
        raise ValueError("overlap must be smaller than the chunk size")
    splitter = _Splitter(count_tokens, limit, overlap)
    index = 0
    for section in sections:
        for text in splitter.split(section.text):
            yield Chunk(text=text, page=section.page, heading=section.heading, index=index)
            index += 1


class _Splitter:
    def __init__(self, count_tokens: Callable[[str], int], limit: int, overlap: int):
        self._count = count_tokens
        self._limit = limit
        self._overlap = overlap

    def split(self, text: str) -> list[str]:
        pieces = self._pieces(text, 0)
        chunks = []
        for chunk in self._pack(pieces):
            # Token counts are not strictly additive across piece boundaries; verify the result.
            if self._count(chunk) > self._limit:
                chunks.extend(p for p, _ in self._halve(chunk))
            else:
                chunks.append(chunk)
        return chunks

    def _pieces(self, text: str, level: int) -> list[tuple[str, int]]:
        n = self._count(text)
        if n <= self._limit:
            return [(text, n)]
        if level == len(_LEVELS):
            return self._halve(text)
        parts = _split_after(text, _LEVELS[level])
        if len(parts) == 1:
            return self._pieces(text, level + 1)
        out: list[tuple[str, int]] = []
        for part in parts:
            out.extend(self._pieces(part, level + 1))
        return out

    def _halve(self, text: str) -> list[tuple[str, int]]:
        """Last resort for an unbroken run (a long URL, CJK without punctuation): split by characters."""
        n = self._count(text)
        if n <= self._limit or len(text) < 2:
            return [(text, n)]
        mid = len(text) // 2
        return self._halve(text[:mid]) + self._halve(text[mid:])

    def _pack(self, pieces: list[tuple[str, int]]) -> Iterator[str]:
        current: list[tuple[str, int]] = []
        size = 0
        for piece, n in pieces:
            if current and size + n > self._limit:
                text = "".join(p for p, _ in current).strip()
                if text:
                    yield text
                current = self._tail(current)
                size = sum(m for _, m in current)
                while current and size + n > self._limit:
                    size -= current.pop(0)[1]
            current.append((piece, n))
            size += n
        text = "".join(p for p, _ in current).strip()
        if text:
            yield text

    def _tail(self, pieces: list[tuple[str, int]]) -> list[tuple[str, int]]:
        """The trailing pieces that fit in the overlap budget, carried into the next chunk."""
        kept: list[tuple[str, int]] = []
        total = 0
        for piece, n in reversed(pieces):
            if total + n > self._overlap:
                break
            kept.insert(0, (piece, n))
            total += n
        return kept


def _split_after(text: str, pattern: re.Pattern) -> list[str]:
    parts, start = [], 0
    for match in pattern.finditer(text):
        if match.end() > start:
            parts.append(text[start : match.end()])
            start = match.end()
    if start < len(text):
        parts.append(text[start:])
    return [p for p in parts if p]
