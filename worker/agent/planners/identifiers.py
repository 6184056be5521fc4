"""Words that look like arithmetic but name things: `Orion-7`, `GPT-4`, `v1.2`, `2024-03-01`, `1.2.3`."""

import re

from worker.agent.tools.calculator import FUNCTIONS, NAMES

PLACEHOLDER = "ident"
_MATH_NAMES = frozenset(FUNCTIONS) | frozenset(NAMES)
_PATTERNS = (
    re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"),  # ISO date
    re.compile(r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b"),  # 03/01/2024, 1.3.2024
    re.compile(r"\b\d+(?:\.\d+){2,}\b"),  # version 1.2.3, IP address
    re.compile(r"\b[vV]\d+(?:\.\d+)*\b"),  # v1.2
    re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*[-_]\d[A-Za-z0-9.]*\b"),  # Orion-7, GPT-4o, COVID-19
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_FUNCTION_CALL = re.compile(r"\b[a-z][a-z0-9]*\s*\(")


def mask_identifiers(text: str) -> str:
    """`text` with identifiers replaced by a plain word, so no pattern reads them as numbers or operators."""

    def replace(match: re.Match) -> str:
        word = match.group()
        head = re.match(r"[A-Za-z]+", word)
        if head and head.group().lower() in _MATH_NAMES:
            return word  # sqrt-2 and pi-3 stay arithmetic
        return PLACEHOLDER

    for pattern in _PATTERNS:
        text = pattern.sub(replace, text)
    return text


def is_arithmetic(expression: str) -> bool:
    """Two numbers joined by an operator, or a function call: `-7` alone is a value, not a calculation."""
    return len(_NUMBER.findall(expression)) >= 2 or bool(_FUNCTION_CALL.search(expression))
