from app.kernel.training.encoding import IGNORE_INDEX, encode_chat, render


def test_labels_cover_exactly_the_assistant_replies(smol_tokenizer):
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "Four."},
        {"role": "user", "content": "And 3+3?"},
        {"role": "assistant", "content": "Six."},
    ]
    input_ids, labels = encode_chat(smol_tokenizer, messages)
    assert len(input_ids) == len(labels)
    assert smol_tokenizer.decode(input_ids) == render(smol_tokenizer, messages)

    trained = [token for token, label in zip(input_ids, labels, strict=True) if label != IGNORE_INDEX]
    assert all(label in (IGNORE_INDEX, token) for token, label in zip(input_ids, labels, strict=True))
    end = smol_tokenizer.eos_token  # SmolLM2 closes every turn with <|im_end|>
    assert smol_tokenizer.decode(trained) == f"Four.{end}\nSix.{end}\n"

    prompt = smol_tokenizer.decode([t for t, label in zip(input_ids, labels, strict=True) if label == IGNORE_INDEX])
    for text in ("Be brief.", "What is 2+2?", "And 3+3?", "<|im_start|>assistant\n"):
        assert text in prompt


def test_prompt_tokens_match_what_generation_sees(smol_tokenizer):
    """Training must see the prompt tokenized exactly as the engine will at inference time."""
    messages = [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue."}]
    input_ids, labels = encode_chat(smol_tokenizer, messages)
    prompt_ids = smol_tokenizer.apply_chat_template(messages[:1], add_generation_prompt=True, tokenize=False)
    expected = smol_tokenizer.encode(prompt_ids, add_special_tokens=False)
    assert input_ids[: len(expected)] == expected
    assert set(labels[: len(expected)]) == {IGNORE_INDEX}
    assert labels[len(expected)] == input_ids[len(expected)]
