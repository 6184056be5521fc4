"""Score the base model and a trained LoRA adapter on an evaluation set, side by side, before the adapter is
offered in chat: greedy answers to each sample's prompt, compared with its last assistant turn."""

import time
from pathlib import Path
from typing import Any

import torch
from peft import PeftModel

from app.kernel.training.dataset import load_samples
from worker.training.modeling import load_base_model, load_tokenizer, pick_device

MAX_SAMPLES = 200
EXAMPLES_KEPT = 20
ANSWER_SLACK_TOKENS = 16
MAX_ANSWER_TOKENS = 256


def normalize(text: str) -> str:
    """Case and whitespace do not count as differences."""
    return " ".join(text.split()).casefold()


def score(answer: str, expected: str) -> dict[str, bool]:
    got, want = normalize(answer), normalize(expected)
    return {"exact": got == want, "contains": bool(want) and want in got}


def evaluate_adapter(base_model_dir: Path, adapter_dir: Path, dataset: Path, method: str = "lora") -> dict[str, Any]:
    """{"samples", "base": {"exact", "contains"}, "adapter": {...}, "examples": [...], "duration_s"}; the
    rates are fractions of the samples (the first MAX_SAMPLES of the set)."""
    started = time.perf_counter()
    samples = load_samples(dataset)[:MAX_SAMPLES]
    tokenizer = load_tokenizer(base_model_dir)
    device = pick_device()
    model = PeftModel.from_pretrained(load_base_model(base_model_dir, method, device), adapter_dir)
    model.eval()
    totals = {side: {"exact": 0, "contains": 0} for side in ("base", "adapter")}
    examples = []
    for messages in samples:
        prompt, expected = messages[:-1], messages[-1]["content"]
        budget = min(len(tokenizer(expected)["input_ids"]) + ANSWER_SLACK_TOKENS, MAX_ANSWER_TOKENS)
        adapter_answer = _generate(model, tokenizer, prompt, budget, device)
        with model.disable_adapter():
            base_answer = _generate(model, tokenizer, prompt, budget, device)
        for side, answer in (("base", base_answer), ("adapter", adapter_answer)):
            for metric, hit in score(answer, expected).items():
                totals[side][metric] += hit
        if len(examples) < EXAMPLES_KEPT:
            question = prompt[-1]["content"] if prompt else ""
            examples.append({"prompt": question, "expected": expected, "base": base_answer, "adapter": adapter_answer})
    count = max(len(samples), 1)
    rates = {side: {metric: round(hits / count, 4) for metric, hits in sides.items()} for side, sides in totals.items()}
    duration = round(time.perf_counter() - started, 2)
    return {"samples": len(samples), **rates, "examples": examples, "duration_s": duration}


@torch.no_grad()
def _generate(model: PeftModel, tokenizer: Any, prompt: list[dict[str, str]], budget: int, device) -> str:
    inputs = tokenizer.apply_chat_template(prompt, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    inputs = {name: tensor.to(device) for name, tensor in inputs.items()}
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    output = model.generate(**inputs, max_new_tokens=budget, do_sample=False, pad_token_id=pad_id)
    return tokenizer.decode(output[0][inputs["input_ids"].shape[1] :], skip_special_tokens=True).strip()
