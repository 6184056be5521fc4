"""The evaluation's judge: the tiny model, through the production engine and constrained decoding, grades the base
model's and the adapter's answers; the report fits the public schema; an unknown judge id is named at once."""

import json

import pytest

from app.kernel.registry.registry import ModelRegistry
from app.kernel.schemas.finetune import FinetuneEvaluation
from app.kernel.training.config import TrainConfig
from tests.support.tiny_model import register_tiny_model
from worker.engine.engine import Engine
from worker.jobs.finetune.judge import JudgeUnavailable, ModelJudge
from worker.training.evaluation import evaluate_adapter
from worker.training.trainer import train

JUDGE = "tiny-judge"
SAMPLES = [("Capital of Zorbia?", "Quell."), ("What is 2 plus 2?", "4.")]


@pytest.fixture
def engine(tiny_model_dir, tmp_path) -> Engine:
    registry = ModelRegistry(catalog_path=None, adapters_dir=tmp_path / "adapters")
    register_tiny_model(registry, JUDGE, tiny_model_dir)
    return Engine(registry, models_dir=tmp_path, cache_bytes=2**30)


@pytest.fixture
def evaluation_set(tmp_path):
    path = tmp_path / "eval.jsonl"
    rows = [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]} for q, a in SAMPLES]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_the_judge_grades_both_sides_next_to_exact_and_contains(engine, tiny_model_dir, evaluation_set, tmp_path):
    adapter = train(TrainConfig(max_seq_len=64, max_steps=1, batch_size=2), tiny_model_dir, evaluation_set, tmp_path)

    with ModelJudge(engine, JUDGE) as judge:
        report = evaluate_adapter(tiny_model_dir, adapter.output_dir, evaluation_set, judge=judge)
        assert engine.is_loaded(JUDGE)
    assert not engine.is_loaded(JUDGE)  # loaded for the evaluation, released after it

    assert FinetuneEvaluation.model_validate(report).model_dump(exclude_unset=True) == report
    assert report["judge"] == {"model": JUDGE, "error": None} and report["samples"] == len(SAMPLES)
    for side in ("base", "adapter"):
        verdicts = [example[f"{side}_judge"] for example in report["examples"]]
        assert all(isinstance(verdict, bool) for verdict in verdicts), report["examples"]
        assert set(report[side]) == {"exact", "contains", "judge"}
        assert report[side]["judge"] == sum(verdicts) / len(SAMPLES)


def test_without_a_judge_the_judge_fields_are_null(tiny_model_dir, evaluation_set, tmp_path):
    adapter = train(TrainConfig(max_seq_len=64, max_steps=1, batch_size=2), tiny_model_dir, evaluation_set, tmp_path)

    report = evaluate_adapter(tiny_model_dir, adapter.output_dir, evaluation_set)

    assert report["judge"] is None and report["base"]["judge"] is None and report["adapter"]["judge"] is None
    assert {example["adapter_judge"] for example in report["examples"]} == {None}


def test_an_unknown_judge_id_is_named_with_what_to_set(engine):
    with pytest.raises(JudgeUnavailable) as raised:
        ModelJudge(engine, "no-such-model")
    assert "judge model 'no-such-model' (EVAL_JUDGE_MODEL) is not usable" in str(raised.value)
    assert "Set EVAL_JUDGE_MODEL to a model id from the registry" in str(raised.value)
