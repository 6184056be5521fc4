"""Rule-based planner for small models and tests: patterns first, then embedding or keyword similarity."""

import json
import re

import numpy as np

from worker.agent.context import EmbedFn
from worker.agent.planners.base import Observation, Step
from worker.agent.planners.identifiers import is_arithmetic, mask_identifiers
from worker.agent.tools.base import Tool

RETRIEVAL_TOOL = "knowledge_search"
CALCULATOR = "calculator"
KEYWORD_BONUS = 0.15
_SPLIT = re.compile(r"(?<=\?)\s+|;\s*|\s+and (?:also|then)\s+", re.I)
_SMALL_TALK = re.compile(r"^\s*(hi|hello|hey|thanks?|thank you|ok|okay|bye|good (morning|night))\b", re.I)
_WORD = re.compile(r"[a-z][a-z-]*")


def split_parts(question: str) -> list[str]:
    """Independent sub-questions ('What is 2+2? And what does the manual say...') for chained steps."""
    return [p.strip() for p in _SPLIT.split(question) if p and p.strip()] or [question]


def _key(name: str, arguments: dict) -> str:
    """Identity of a call; whitespace does not count, so `1+1` done by the model is `1 + 1` done."""
    return name + re.sub(r"\s+", "", json.dumps(arguments, sort_keys=True))


class DeterministicPlanner:
    """Routes each sub-question once and hands out one not-yet-run step per call; one per message."""

    def __init__(self, embed: EmbedFn | None = None, threshold: float = 0.35):
        self._embed = embed
        self._threshold = threshold
        self._tool_vectors: dict[str, np.ndarray] = {}
        self._routes: dict[str, Step] = {}

    def next_step(self, question: str, tools: dict[str, Tool], observations: list[Observation]) -> Step:
        done = {_key(o.name, o.arguments) for o in observations}
        reasons = []
        for part in split_parts(question):
            if part not in self._routes:
                self._routes[part] = self.route(part, tools)
            step = self._routes[part]
            if step.action != "answer" and _key(step.name, step.arguments) not in done:
                return step
            reasons.append(step.reason or (f"{step.name} answered it" if step.action == "tool" else ""))
        return Step("answer", reason="; ".join(reasons) if all(reasons) else "")

    def route(self, question: str, tools: dict[str, Tool]) -> Step:
        for tool in tools.values():
            if tool.pattern_routed and (args := _pattern_args(tool, question)) is not None:
                return Step("tool", tool.name, args)
        scores = self._scores(question, tools)
        ranked = sorted((t for t in tools.values() if not t.pattern_routed), key=lambda t: -scores[t.name])
        for tool in ranked:
            score = scores[tool.name]
            if score >= self._threshold and (args := tool.suggest_args(question)) is not None:
                return Step("retrieve" if tool.name == RETRIEVAL_TOOL else "tool", tool.name, args)
        if _SMALL_TALK.match(question):
            return Step("answer", reason="small talk")
        if RETRIEVAL_TOOL in tools:
            return Step("retrieve", RETRIEVAL_TOOL, tools[RETRIEVAL_TOOL].suggest_args(question))
        return Step("answer")

    def _scores(self, question: str, tools: dict[str, Tool]) -> dict[str, float]:
        """Keyword hits; with `embed`, cosine similarity to description and examples plus a bonus per hit.

        The bonus rescues short domain questions that MiniLM scores low ("units of X did we sell?").
        """
        words = set(_WORD.findall(question.lower()))
        hits = {name: len(words & tool.keywords) for name, tool in tools.items()}
        if self._embed is None:
            return {name: float(count) for name, count in hits.items()}
        query = _normalize(np.asarray(self._embed([question]), dtype=np.float32))[0]
        vectors = self._vectors(tools)
        return {name: float(np.max(vectors[name] @ query)) + KEYWORD_BONUS * hits[name] for name in tools}

    def _vectors(self, tools: dict[str, Tool]) -> dict[str, np.ndarray]:
        """Description and example embeddings of every tool, computed in one batch per planner."""
        missing = [tool for name, tool in tools.items() if name not in self._tool_vectors]
        if missing:
            texts = [[tool.description, *tool.examples] for tool in missing]
            flat = _normalize(np.asarray(self._embed([t for group in texts for t in group]), dtype=np.float32))
            offsets = np.cumsum([0, *map(len, texts)])
            for tool, start, end in zip(missing, offsets[:-1], offsets[1:], strict=True):
                self._tool_vectors[tool.name] = flat[start:end]
        return self._tool_vectors


def _pattern_args(tool: Tool, question: str) -> dict | None:
    """A pattern-routed tool's arguments; the calculator only sees real arithmetic, never `Orion-7` or `v1.2`."""
    if tool.name != CALCULATOR:
        return tool.suggest_args(question)
    args = tool.suggest_args(mask_identifiers(question))
    return args if args is not None and is_arithmetic(str(args.get("expression", ""))) else None


def _normalize(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
