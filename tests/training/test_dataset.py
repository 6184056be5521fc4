import json

import pytest

from app.kernel.training.dataset import (
    MAX_REPORTED_ERRORS,
    load_samples,
    split_indices,
    validate_dataset,
)
from app.kernel.training.errors import TrainingError


def chat(*turns, system=None):
    messages = [{"role": "system", "content": system}] if system else []
    roles = ["user", "assistant"]
    messages += [{"role": roles[i % 2], "content": text} for i, text in enumerate(turns)]
    return json.dumps({"messages": messages})


def write(tmp_path, lines, name="data.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


GOOD = chat("Hi", "Hello!")

INVALID = {
    "bad json": ('{"messages": [', "invalid JSON"),
    "not an object": ("[1, 2]", "expected a JSON object"),
    "unknown shape": ('{"text": "hello"}', "expected a 'messages' list"),
    "empty messages": ('{"messages": []}', "non-empty list"),
    "missing role": ('{"messages": [{"content": "hi"}]}', "message 1: missing 'role'"),
    "missing content": ('{"messages": [{"role": "user"}]}', "message 1: missing 'content'"),
    "wrong role": (
        '{"messages": [{"role": "user", "content": "a"}, {"role": "bot", "content": "b"}]}',
        "message 2: unknown role 'bot'",
    ),
    "empty turn": (
        '{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "  "}]}',
        "message 2: empty content",
    ),
    "out of order": (
        '{"messages": [{"role": "assistant", "content": "a"}, {"role": "user", "content": "b"}]}',
        "message 1: expected a 'user' turn, got 'assistant'",
    ),
    "late system": (
        '{"messages": [{"role": "user", "content": "a"}, {"role": "system", "content": "b"}]}',
        "message 2: a system message is only allowed first",
    ),
    "no assistant": ('{"messages": [{"role": "user", "content": "a"}]}', "no assistant turn"),
    "trailing user": (chat("a", "b", "c"), "ends with a user turn"),
    "instruction without output": ('{"instruction": "Say hi"}', "missing field 'output'"),
    "instruction with empty output": (
        '{"instruction": "Say hi", "output": ""}',
        "'output' must be a non-empty",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_each_invalid_line_is_reported_with_its_line_number(tmp_path, case):
    line, expected = INVALID[case]
    report = validate_dataset(write(tmp_path, [GOOD, "", line, GOOD]))
    assert not report.valid
    assert report.count == 2
    assert [issue.line for issue in report.errors] == [3]  # blank line 2 is skipped but still counted
    assert expected in report.errors[0].message


def test_invalid_utf8_is_reported(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(GOOD.encode() + b"\n\xff\xfe\n")
    report = validate_dataset(path)
    assert [(issue.line, issue.message) for issue in report.errors] == [(2, "not valid UTF-8")]


def test_mixed_formats_are_rejected(tmp_path):
    report = validate_dataset(write(tmp_path, [GOOD, json.dumps({"instruction": "a", "output": "b"})]))
    assert report.format == "chat"
    assert "instruction format, but the dataset started in chat format" in report.errors[0].message


def test_empty_file_is_invalid(tmp_path):
    report = validate_dataset(write(tmp_path, [""]))
    assert not report.valid and report.errors[0].line == 0


def test_reported_errors_are_capped_but_counted(tmp_path):
    report = validate_dataset(write(tmp_path, ["{bad"] * (MAX_REPORTED_ERRORS + 10)))
    assert len(report.errors) == MAX_REPORTED_ERRORS
    assert report.error_count == MAX_REPORTED_ERRORS + 10


def test_instruction_format_converts_to_chat(tmp_path):
    lines = [
        json.dumps({"instruction": "Translate to French", "input": "cat", "output": "chat"}),
        json.dumps({"instruction": "Say hi", "input": "", "output": "Hi!"}),
    ]
    path = write(tmp_path, lines)
    report = validate_dataset(path)
    assert report.valid and report.format == "instruction" and report.count == 2
    assert (
        load_samples(path)
        == report.preview
        == [
            [
                {"role": "user", "content": "Translate to French\n\ncat"},
                {"role": "assistant", "content": "chat"},
            ],
            [{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": "Hi!"}],
        ]
    )


def test_preview_and_token_stats(tmp_path, smol_tokenizer):
    lines = [chat(f"Question {i}?", "Answer " * (i + 1), system="Be brief.") for i in range(5)]
    report = validate_dataset(write(tmp_path, lines), tokenizer=smol_tokenizer)
    assert report.valid and report.count == 5 and len(report.preview) == 3
    stats = report.token_stats
    assert stats.min < stats.mean < stats.max
    assert stats.total == pytest.approx(stats.mean * 5, abs=1)
    assert validate_dataset(write(tmp_path, lines)).token_stats is None  # no tokenizer, no token counts


def test_over_long_samples_are_errors_with_a_tokenizer(tmp_path, smol_tokenizer):
    path = write(tmp_path, [GOOD, chat("Tell me a story", "once upon a time " * 50)])
    report = validate_dataset(path, tokenizer=smol_tokenizer, max_seq_len=64)
    assert [issue.line for issue in report.errors] == [2]
    assert "longer than max_seq_len 64" in report.errors[0].message


def test_held_out_split_is_deterministic_and_disjoint(tmp_path):
    path = write(tmp_path, [chat(f"q{i}", f"a{i}") for i in range(40)])
    first = validate_dataset(path, eval_fraction=0.25, seed=7)
    again = validate_dataset(path, eval_fraction=0.25, seed=7)
    other = validate_dataset(path, eval_fraction=0.25, seed=8)
    assert first.eval_indices == again.eval_indices != other.eval_indices
    assert (first.train_count, first.eval_count) == (30, 10)
    train, held_out = split_indices(40, 0.25, 7)
    assert held_out == first.eval_indices and not set(train) & set(held_out)
    assert sorted(train + held_out) == list(range(40))


def test_small_fraction_still_holds_out_one_sample():
    assert [len(part) for part in split_indices(5, 0.01, 0)] == [4, 1]
    assert split_indices(5, 0.0, 0) == ([0, 1, 2, 3, 4], [])


def test_load_samples_refuses_invalid_lines(tmp_path):
    with pytest.raises(TrainingError, match="line 2"):
        load_samples(write(tmp_path, [GOOD, "{bad"]))
