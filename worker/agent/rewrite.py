"""Rewrite a follow-up ("how big is it?") into a standalone question before planning and retrieval."""

import logging
import re

from worker.agent.context import Complete, Messages

log = logging.getLogger(__name__)

_PRONOUN = re.compile(
    r"\b(it|its|it's|they|them|their|he|him|his|she|her)\b"
    r"|\b(this|that|these|those)\b(?=\s*(?:[?.!,]|$|(?:is|was|are|were|does|do|did|has|have|mean|cost)s?\b))",
    re.I,
)
_POSSESSIVE = {"its", "their", "his", "her"}
_QUESTION_LEAD = re.compile(
    r"^(?:(?:what|who|where|when|which|why|how)(?:\s+\w+)?\s+(?:is|are|was|were|does|do|did)\s+"
    r"|(?:tell me|talk|teach me)\s+about\s+|(?:explain|describe|define)\s+|what about\s+)",
    re.I,
)
_PREFIX = re.compile(r"^\s*(?:standalone question|rewritten question|question)\s*:\s*", re.I)

REWRITE_PROMPT = """Rewrite the user's last message as a standalone question that can be understood without \
the conversation: replace pronouns with what they refer to. Keep the meaning and the language. \
If it is already standalone, repeat it unchanged. Reply with only the question."""


def last_user_text(messages: Messages) -> str:
    return next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")


def topic_of(question: str) -> str:
    """'What is the Eiffel Tower?' -> 'the Eiffel Tower' (the subject a later pronoun most likely means)."""
    return _QUESTION_LEAD.sub("", question.strip()).strip(" ?!.")


def deterministic_rewrite(question: str, history: Messages) -> str:
    """Replace the first pronoun with the topic of the previous user question."""
    previous = [m["content"] for m in history if m.get("role") == "user"]
    match = _PRONOUN.search(question)
    if not previous or match is None:
        return question
    topic = next((t for t in map(topic_of, reversed(previous)) if t and not _PRONOUN.fullmatch(t)), "")
    if not topic:
        return question
    word = match.group().lower()
    replacement = f"{topic}'s" if word in _POSSESSIVE else topic
    if word == "it's":
        replacement = f"{topic} is"
    return question[: match.start()] + replacement + question[match.end() :]


def model_rewrite(question: str, history: Messages, complete: Complete) -> str | None:
    """The model's rewrite, or None when its reply does not look like a single question."""
    turns = [m for m in history[-6:] if m.get("role") != "system"]
    transcript = "\n".join(f"{m['role']}: {m['content'][:500]}" for m in turns)
    reply = complete(
        [
            {"role": "system", "content": REWRITE_PROMPT},
            {"role": "user", "content": f"Conversation:\n{transcript}\n\nLast message: {question}"},
        ]
    )
    first_line = next((ln for ln in reply.strip().splitlines() if ln.strip()), "")
    line = _PREFIX.sub("", first_line).strip().strip('"')
    if not line or len(line) > max(400, 4 * len(question)):
        return None
    return line


def rewrite_query(messages: Messages, complete: Complete | None = None) -> str:
    """Standalone form of the last user message; unchanged when there is no earlier user turn."""
    question = last_user_text(messages)
    last = max(i for i, m in enumerate(messages) if m.get("role") == "user") if question else 0
    history = messages[:last]
    if not any(m.get("role") == "user" for m in history):
        return question
    if complete is not None:
        try:
            rewritten = model_rewrite(question, history, complete)
        except Exception:  # noqa: BLE001 - the rule-based rewrite is always available
            log.warning("model query rewrite failed; using the rule-based rewrite", exc_info=True)
            rewritten = None
        if rewritten:
            return rewritten
    return deterministic_rewrite(question, history)
