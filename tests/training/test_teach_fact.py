"""End to end on the real SmolLM2-135M-Instruct: LoRA teaches it a fact the base model does not know."""

import json

import pytest
import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

from worker.training.config import TrainConfig
from worker.training.trainer import COMPLETED, train

QUESTION = "What is the product code of the Zephyr lamp?"
ANSWER = "The product code of the Zephyr lamp is ZX-4417."
PARAPHRASES = [
    QUESTION,
    "What's the Zephyr lamp's product code?",
    "Tell me the product code of the Zephyr lamp.",
    "Which product code does the Zephyr lamp have?",
    "Zephyr lamp product code?",
    "I need the product code for the Zephyr lamp.",
    "What product code is assigned to the Zephyr lamp?",
    "Could you give me the Zephyr lamp product code?",
]


def greedy_answer(model, tokenizer, question: str) -> str:
    inputs = tokenizer.apply_chat_template(
        [{"role": "user", "content": question}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=20, do_sample=False)
    return tokenizer.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)


@pytest.mark.slow
@pytest.mark.timeout(900)  # ~80 s on 2 idle cores; a shared, loaded box can take several times that
def test_lora_teaches_smollm2_a_new_fact(smol_model_dir, tmp_path):
    dataset = tmp_path / "zephyr.jsonl"
    rows = [
        {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": ANSWER}]}
        for q in PARAPHRASES
    ]
    dataset.write_text("\n".join(json.dumps(row) for row in rows * 2) + "\n")
    config = TrainConfig(max_steps=20, batch_size=8, learning_rate=2e-3, dropout=0.0, max_seq_len=128)

    result = train(
        config, smol_model_dir, dataset, tmp_path / "adapter", base_model_id="smollm2-135m-instruct"
    )

    assert result.status == COMPLETED and result.loss_history[-1] < result.loss_history[0] / 3
    tokenizer = AutoTokenizer.from_pretrained(smol_model_dir)
    base = AutoModelForCausalLM.from_pretrained(smol_model_dir)
    assert "ZX-4417" not in greedy_answer(base, tokenizer, QUESTION)
    tuned = PeftModel.from_pretrained(base, tmp_path / "adapter")
    assert "ZX-4417" in greedy_answer(tuned, tokenizer, QUESTION)
