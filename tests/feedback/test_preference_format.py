"""The preference (DPO) dataset format: validated like the other formats, loaded in TRL's conversational shape."""

import json

import pytest

from app.kernel.training.dataset import load_preference_pairs, validate_dataset
from app.kernel.training.errors import TrainingError

PAIR = {
    "prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of Zorbia?"}],
    "chosen": [{"role": "assistant", "content": "Quell."}],
    "rejected": "I do not know.",
}


def _write(path, rows) -> str:
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))
    return str(path)


def test_pairs_validate_and_load_as_message_lists(tmp_path):
    path = _write(tmp_path / "pairs.jsonl", [PAIR, PAIR | {"prompt": "Capital of Zorbia?"}])
    report = validate_dataset(path)
    assert (report.valid, report.format, report.count) == (True, "preference", 2)
    first, second = load_preference_pairs(path)
    assert first == {
        "prompt": PAIR["prompt"],
        "chosen": [{"role": "assistant", "content": "Quell."}],
        "rejected": [{"role": "assistant", "content": "I do not know."}],
    }
    assert second["prompt"] == [{"role": "user", "content": "Capital of Zorbia?"}]


def test_broken_pairs_are_named_by_line_and_chat_data_is_refused_for_dpo(tmp_path):
    bad = [
        PAIR,
        {k: v for k, v in PAIR.items() if k != "rejected"},
        PAIR | {"rejected": [{"role": "user", "content": "x"}]},
    ]
    report = validate_dataset(_write(tmp_path / "bad.jsonl", bad))
    assert [(issue.line, issue.message) for issue in report.errors] == [
        (2, "missing field 'rejected' (preference format: prompt, chosen, rejected)"),
        (3, "'rejected' must be an assistant message"),
    ]
    chat = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    with pytest.raises(TrainingError, match="line 1: chat format; DPO needs preference pairs"):
        load_preference_pairs(_write(tmp_path / "chat.jsonl", [chat]))
