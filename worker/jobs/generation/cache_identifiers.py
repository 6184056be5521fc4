"""The near-miss guard of the semantic cache: numbers and names two questions must share to count as the same.

Embeddings put "vacation days after 5 years" and "... after 10 years" 0.11 apart, closer than many true
paraphrases, so a cached answer is only reused when both questions hold the same numbers (ASCII, full-width and
CJK numerals) and the same names: capitalised or all-caps words after the first word of a sentence (a
sentence's first word is only a name if the other question capitalises it too) and katakana words.
Lower-case names and Chinese names are not recognised; the distance threshold has to catch those.
"""

import re
import unicodedata
from dataclasses import dataclass

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CJK_NUMERAL = re.compile(r"[〇零一二三四五六七八九十百千万萬億亿两兩]+")
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc]{2,}")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_SENTENCE_END = re.compile(r"[.!?:;。！？\n]\s*$")
_PRONOUNS = {"i", "i'm", "i've", "i'd", "i'll"}


@dataclass(frozen=True)
class Identifiers:
    numbers: frozenset[str]
    names: frozenset[str]
    """Capitalised words that do not open a sentence: certainly names."""
    capitalised: frozenset[str]
    """Every capitalised word, sentence openers included."""

    def matches(self, other: "Identifiers") -> bool:
        return self.numbers == other.numbers and self.names <= other.capitalised and other.names <= self.capitalised


def identifiers(text: str) -> Identifiers:
    text = unicodedata.normalize("NFKC", text)
    numbers = {n.replace(",", "") for n in _NUMBER.findall(text)} | set(_CJK_NUMERAL.findall(text))
    names: set[str] = set(_KATAKANA.findall(text))
    capitalised = set(names)
    for match in _WORD.finditer(text):
        word = re.sub(r"['’]s$", "", match.group())
        if not any(c.isupper() for c in word) or word.casefold() in _PRONOUNS:
            continue
        capitalised.add(word.casefold())
        before = text[: match.start()]
        if before.strip() and not _SENTENCE_END.search(before):
            names.add(word.casefold())
    return Identifiers(frozenset(numbers), frozenset(names), frozenset(capitalised))
