"""Turn a conversation into token ids and labels that train only on the assistant's replies.

The chat template renders the whole conversation; each assistant reply is located as the text between
"conversation so far + generation prompt" and "conversation including the reply". Segments are tokenized
separately so every token belongs to exactly one side of the mask, whatever the tokenizer merges.
"""

from typing import Any

IGNORE_INDEX = -100


def render(tokenizer: Any, messages: list[dict[str, str]], add_generation_prompt: bool = False) -> str:
    return str(tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt))


def encode_chat(tokenizer: Any, messages: list[dict[str, str]]) -> tuple[list[int], list[int]]:
    """Return (input_ids, labels); labels are IGNORE_INDEX everywhere except assistant replies."""
    full = render(tokenizer, messages)
    segments: list[tuple[str, bool]] = []
    cursor = 0
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prompt = render(tokenizer, messages[:index], add_generation_prompt=True)
        turn = render(tokenizer, messages[: index + 1])
        if not (turn.startswith(prompt) and full.startswith(turn) and len(prompt) >= cursor):
            raise ValueError(
                "the chat template does not render a conversation as growing prefixes, "
                "so prompt tokens cannot be told apart from the assistant's"
            )
        segments += [(full[cursor : len(prompt)], False), (full[len(prompt) : len(turn)], True)]
        cursor = len(turn)
    segments.append((full[cursor:], False))

    input_ids: list[int] = []
    labels: list[int] = []
    for text, trainable in segments:
        if not text:
            continue
        ids = tokenizer.encode(text, add_special_tokens=False)
        input_ids += ids
        labels += ids if trainable else [IGNORE_INDEX] * len(ids)
    return input_ids, labels
