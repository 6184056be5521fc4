"""Fine-tuning datasets: JSONL in chat format (`{"messages": [...]}`), instruction format
(`{"instruction", "input", "output"}`) or preference format for DPO (`{"prompt": [...], "chosen", "rejected"}`,
TRL's conversational shape), validated line by line with line-numbered errors.

Torch-free, so the API process can validate uploads; pass a tokenizer to also get token statistics
and over-long sample errors (tokenizers need no torch).
"""

import json
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.kernel.training.encoding import encode_chat
from app.kernel.training.errors import TrainingError

CHAT = "chat"
INSTRUCTION = "instruction"
PREFERENCE = "preference"
ROLES = ("system", "user", "assistant")
MAX_REPORTED_ERRORS = 50
PREVIEW_SAMPLES = 3
DEFAULT_MAX_SEQ_LEN = 2048

Messages = list[dict[str, str]]


class SampleError(ValueError):
    """What is wrong with one line, without its line number."""


@dataclass(frozen=True)
class DatasetIssue:
    line: int  # 1-based line in the file; 0 for problems with the file as a whole
    message: str


@dataclass(frozen=True)
class TokenStats:
    min: int
    mean: float
    max: int
    total: int


@dataclass
class DatasetReport:
    format: str | None
    count: int
    errors: list[DatasetIssue]
    error_count: int  # all errors found; `errors` keeps the first MAX_REPORTED_ERRORS
    preview: list[Messages]
    token_stats: TokenStats | None
    train_count: int
    eval_count: int
    eval_indices: list[int] = field(default_factory=list)  # positions among the valid samples

    @property
    def valid(self) -> bool:
        return self.error_count == 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"valid": self.valid}


def validate_dataset(
    path: str | Path,
    tokenizer: Any = None,
    max_seq_len: int = DEFAULT_MAX_SEQ_LEN,
    eval_fraction: float = 0.0,
    seed: int = 0,
) -> DatasetReport:
    """Stream the file once and report its format, size, token statistics, split and line-numbered errors."""
    if not 0.0 <= eval_fraction < 1.0:
        raise ValueError("eval_fraction must be in [0, 1)")
    errors: list[DatasetIssue] = []
    error_count = 0
    preview: list[Messages] = []
    lengths: list[int] = []
    count = 0
    dataset_format = None

    def report(issue: DatasetIssue) -> None:
        nonlocal error_count
        error_count += 1
        if len(errors) < MAX_REPORTED_ERRORS:
            errors.append(issue)

    for line, sample_format, messages, problem in _iter_lines(path):
        if problem is None:
            dataset_format = dataset_format or sample_format
            if sample_format != dataset_format:
                problem = f"{sample_format} format, but the dataset started in {dataset_format} format"
        if problem is None and tokenizer is not None:
            problem, length = _check_length(tokenizer, messages, max_seq_len)
            if problem is None:
                lengths.append(length)
        if problem is not None:
            report(DatasetIssue(line, problem))
            continue
        count += 1
        if len(preview) < PREVIEW_SAMPLES:
            preview.append(messages)

    if count == 0 and error_count == 0:
        report(DatasetIssue(0, "the dataset has no samples"))
    train_indices, eval_indices = split_indices(count, eval_fraction, seed)
    return DatasetReport(
        format=dataset_format,
        count=count,
        errors=errors,
        error_count=error_count,
        preview=preview,
        token_stats=_token_stats(lengths),
        train_count=len(train_indices),
        eval_count=len(eval_indices),
        eval_indices=eval_indices,
    )


def load_samples(path: str | Path) -> list[Messages]:
    """All samples as chat messages; raises TrainingError on the first invalid line."""
    samples = []
    for line, _, messages, problem in _iter_lines(path):
        if problem is not None:
            raise TrainingError(f"dataset line {line}: {problem}")
        samples.append(messages)
    return samples


def split_indices(count: int, eval_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Deterministic held-out split: the same (count, fraction, seed) always gives the same indices."""
    eval_count = round(count * eval_fraction)
    if eval_fraction > 0 and count >= 2:
        eval_count = min(max(eval_count, 1), count - 1)
    order = list(range(count))
    random.Random(seed).shuffle(order)
    return sorted(order[eval_count:]), sorted(order[:eval_count])


def _iter_lines(path: str | Path) -> Iterator[tuple[int, str, Messages, str | None]]:
    """Yield (line number, format, messages, problem) for every non-blank line, reading one line at a time; a line
    with a problem has no format ("") and no messages."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield number, "", [], "not valid UTF-8"
                continue
            if not text.strip():
                continue
            try:
                sample_format, messages = parse_sample(text)
            except SampleError as exc:
                yield number, "", [], str(exc)
                continue
            yield number, sample_format, messages, None


def parse_sample(text: str) -> tuple[str, Messages]:
    """Parse one JSONL line into (format, chat messages); raises SampleError saying what is wrong."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SampleError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise SampleError("expected a JSON object")
    if "messages" in record:
        return CHAT, _check_messages(record["messages"])
    if "chosen" in record or "rejected" in record:
        return PREFERENCE, _preference_pair(record)[0]
    if "instruction" in record or "output" in record:
        return INSTRUCTION, _instruction_to_messages(record)
    raise SampleError("expected a 'messages' list (chat format) or 'instruction' and 'output' (instruction format)")


def load_preference_pairs(path: str | Path) -> list[dict[str, Messages]]:
    """A preference dataset as TRL's conversational pairs `{"prompt", "chosen", "rejected"}` (message lists)."""
    pairs = []
    for line, sample_format, _, problem in _iter_lines(path):
        if problem is None and sample_format != PREFERENCE:
            problem = f"{sample_format} format; DPO needs preference pairs (prompt, chosen, rejected)"
        if problem is not None:
            raise TrainingError(f"dataset line {line}: {problem}")
    with open(path, encoding="utf-8") as handle:
        for text in handle:
            if text.strip():
                chosen, rejected = _preference_pair(json.loads(text))
                pairs.append({"prompt": chosen[:-1], "chosen": chosen[-1:], "rejected": rejected[-1:]})
    return pairs


def _answer_turn(value: Any, key: str) -> dict[str, str]:
    """`chosen`/`rejected` as one assistant message: a string, or a list holding one assistant message."""
    if isinstance(value, str):
        return {"role": "assistant", "content": value}
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        if value[0].get("role") != "assistant":
            raise SampleError(f"'{key}' must be an assistant message")
        return value[0]
    raise SampleError(f"'{key}' must be a string or a list with one assistant message")


def _preference_pair(record: dict[str, Any]) -> tuple[Messages, Messages]:
    """(prompt + chosen, prompt + rejected), each checked as a chat sample."""
    for key in ("prompt", "chosen", "rejected"):
        if key not in record:
            raise SampleError(f"missing field '{key}' (preference format: prompt, chosen, rejected)")
    prompt = record["prompt"]
    if isinstance(prompt, str):
        prompt = [{"role": "user", "content": prompt}]
    if not isinstance(prompt, list):
        raise SampleError("'prompt' must be a string or a list of messages")
    chosen = _check_messages([*prompt, _answer_turn(record["chosen"], "chosen")])
    rejected_turn = _answer_turn(record["rejected"], "rejected")
    try:
        rejected = _check_messages([*prompt, rejected_turn])
    except SampleError as exc:
        raise SampleError(f"rejected: {exc}") from None
    return chosen, rejected


def _instruction_to_messages(record: dict[str, Any]) -> Messages:
    for key in ("instruction", "output"):
        if key not in record:
            raise SampleError(f"missing field '{key}'")
        if not isinstance(record[key], str) or not record[key].strip():
            raise SampleError(f"field '{key}' must be a non-empty string")
    extra = record.get("input") or ""
    if not isinstance(extra, str):
        raise SampleError("field 'input' must be a string")
    prompt = f"{record['instruction']}\n\n{extra}" if extra.strip() else record["instruction"]
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": record["output"]}]


def _check_messages(messages: Any) -> Messages:
    if not isinstance(messages, list) or not messages:
        raise SampleError("'messages' must be a non-empty list")
    clean: Messages = []
    for number, message in enumerate(messages, start=1):
        if not isinstance(message, dict):
            raise SampleError(f"message {number}: expected an object with 'role' and 'content'")
        for key in ("role", "content"):
            if key not in message:
                raise SampleError(f"message {number}: missing '{key}'")
        role, content = message["role"], message["content"]
        if role not in ROLES:
            raise SampleError(f"message {number}: unknown role {role!r} (expected system, user or assistant)")
        if not isinstance(content, str) or not content.strip():
            raise SampleError(f"message {number}: empty content")
        clean.append({"role": role, "content": content})

    turns = clean[1:] if clean[0]["role"] == "system" else clean
    for position, message in enumerate(turns):
        number = position + 1 + (len(clean) - len(turns))
        expected = "user" if position % 2 == 0 else "assistant"
        if message["role"] == "system":
            raise SampleError(f"message {number}: a system message is only allowed first")
        if message["role"] != expected:
            raise SampleError(f"message {number}: expected a '{expected}' turn, got '{message['role']}'")
    if not any(message["role"] == "assistant" for message in turns):
        raise SampleError("no assistant turn to learn from")
    if turns[-1]["role"] != "assistant":
        raise SampleError("the conversation ends with a user turn that has no assistant answer")
    return clean


def _check_length(tokenizer: Any, messages: Messages, max_seq_len: int) -> tuple[str | None, int]:
    try:
        length = len(encode_chat(tokenizer, messages)[0])
    except Exception as exc:  # a template may reject a conversation in its own way
        return f"the model's chat template rejected this sample: {exc}", 0
    if length > max_seq_len:
        return f"sample is {length} tokens, longer than max_seq_len {max_seq_len}", length
    return None, length


def _token_stats(lengths: list[int]) -> TokenStats | None:
    if not lengths:
        return None
    total = sum(lengths)
    return TokenStats(min=min(lengths), mean=round(total / len(lengths), 1), max=max(lengths), total=total)
