"""Score the base model and a trained LoRA adapter on an evaluation set, side by side, before the adapter is
offered in chat: greedy answers to each sample's prompt, compared with its last assistant turn, and graded by a
judge model where one is configured (EVAL_JUDGE_MODEL)."""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
from loguru import logger
from peft import PeftModel

from app.kernel.training.dataset import load_samples
from worker.training.modeling import load_base_model, load_tokenizer, pick_device

MAX_SAMPLES = 200
EXAMPLES_KEPT = 20
ANSWER_SLACK_TOKENS = 16
MAX_ANSWER_TOKENS = 256
SIDES = ("base", "adapter")


def normalize(text: str) -> str:
    """Case and whitespace do not count as differences."""
    return " ".join(text.split()).casefold()


def score(answer: str, expected: str) -> dict[str, bool]:
    got, want = normalize(answer), normalize(expected)
    return {"exact": got == want, "contains": bool(want) and want in got}


class Judge(Protocol):
    """A model that grades answers against the reference (worker/jobs/finetune/judge.py)."""

    model: str

    def grade(self, question: str, reference: str, answer: str) -> bool:
        """Whether `answer` to `question` is correct, given the `reference` answer."""
        ...


@dataclass(frozen=True)
class _Answers:
    question: str
    expected: str
    base: str
    adapter: str


def evaluate_adapter(
    base_model_dir: Path, adapter_dir: Path, dataset: Path, method: str = "lora", judge: Judge | None = None
) -> dict[str, Any]:
    """{"samples", "base": {"exact", "contains", "judge"}, "adapter": {...}, "examples": [...], "judge",
    "duration_s"}; the rates are fractions of the samples (the first MAX_SAMPLES of the set).

    Without a judge its rates are null and "judge" is null; a judge that fails leaves its rates null and says
    why in "judge": {"model", "error"}: the exact and contains scores stand either way.
    """
    started = time.perf_counter()
    answers = _answer_all(base_model_dir, adapter_dir, load_samples(dataset)[:MAX_SAMPLES], method)
    totals = {side: {"exact": 0, "contains": 0} for side in SIDES}
    for row in answers:
        for side in SIDES:
            for metric, hit in score(getattr(row, side), row.expected).items():
                totals[side][metric] += hit
    count = max(len(answers), 1)
    rates: dict[str, dict[str, float | None]] = {
        side: {metric: round(hits / count, 4) for metric, hits in sides.items()} for side, sides in totals.items()
    }
    examples = [
        {"prompt": row.question, "expected": row.expected, "base": row.base, "adapter": row.adapter}
        for row in answers[:EXAMPLES_KEPT]
    ]
    verdicts, judge_report = _judge_all(judge, answers)
    for side in SIDES:
        rates[side]["judge"] = round(sum(verdict[side] for verdict in verdicts) / count, 4) if verdicts else None
        for index, example in enumerate(examples):
            example[f"{side}_judge"] = verdicts[index][side] if verdicts else None
    duration = round(time.perf_counter() - started, 2)
    return {"samples": len(answers), **rates, "examples": examples, "judge": judge_report, "duration_s": duration}


def _answer_all(base_model_dir: Path, adapter_dir: Path, samples: list, method: str) -> list[_Answers]:
    """Greedy answers of the adapter and of the base (adapter switched off) to every sample's prompt."""
    tokenizer = load_tokenizer(base_model_dir)
    device = pick_device()
    model = PeftModel.from_pretrained(load_base_model(base_model_dir, method, device), adapter_dir)
    model.eval()
    answers = []
    for messages in samples:
        prompt, expected = messages[:-1], messages[-1]["content"]
        budget = min(len(tokenizer(expected)["input_ids"]) + ANSWER_SLACK_TOKENS, MAX_ANSWER_TOKENS)
        adapter_answer = _generate(model, tokenizer, prompt, budget, device)
        with model.disable_adapter():
            base_answer = _generate(model, tokenizer, prompt, budget, device)
        question = prompt[-1]["content"] if prompt else ""
        answers.append(_Answers(question, expected, base_answer, adapter_answer))
    return answers  # the model goes out of scope here, before a judge model is loaded


def _judge_all(judge: Judge | None, answers: list[_Answers]) -> tuple[list[dict[str, bool]], dict[str, Any] | None]:
    """Per sample {"base": correct?, "adapter": correct?}, and the report's "judge" entry."""
    if judge is None:
        return [], None
    try:
        verdicts = [
            {side: judge.grade(row.question, row.expected, getattr(row, side)) for side in SIDES} for row in answers
        ]
    except Exception as exc:  # noqa: BLE001 - the other scores stand; say why the judge gave none
        logger.opt(exception=exc).warning("judge model {} failed", judge.model)
        return [], {"model": judge.model, "error": f"the judge model failed: {type(exc).__name__}: {exc}"}
    return verdicts, {"model": judge.model, "error": None}


@torch.no_grad()
def _generate(model: PeftModel, tokenizer: Any, prompt: list[dict[str, str]], budget: int, device) -> str:
    inputs = tokenizer.apply_chat_template(prompt, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    inputs = {name: tensor.to(device) for name, tensor in inputs.items()}
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    output = model.generate(**inputs, max_new_tokens=budget, do_sample=False, pad_token_id=pad_id)
    return tokenizer.decode(output[0][inputs["input_ids"].shape[1] :], skip_special_tokens=True).strip()
