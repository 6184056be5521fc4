import pytest

from app.kernel.registry.errors import InvalidRequestError
from tests.support.tiny_model import build_tokenizer
from worker.engine.decoding import StreamDecoder
from worker.engine.generation import GenerationParams
from worker.engine.messages import build_prompt, validate_messages


@pytest.mark.parametrize(
    "messages, fragment",
    [
        ([], "non-empty list"),
        ([{"role": "user", "content": "  "}], "content must be a non-empty string"),
        ([{"role": "robot", "content": "hi"}], "role is 'robot'"),
        ([{"role": "user"}], "content must be"),
    ],
)
def test_bad_messages_are_rejected_clearly(messages, fragment):
    with pytest.raises(InvalidRequestError, match=fragment):
        validate_messages(messages)
    assert issubclass(InvalidRequestError, ValueError)


def test_bad_params_are_rejected():
    with pytest.raises(InvalidRequestError, match="top_p"):
        GenerationParams(top_p=0).resolve({})
    resolved = GenerationParams(temperature=0).resolve({"max_new_tokens": 7, "temperature": 0.5})
    assert resolved.max_new_tokens == 7 and resolved.temperature == 0 and resolved.stop == ()


def test_truncation_drops_oldest_turns_and_keeps_system_prompt():
    tokenizer = build_tokenizer()
    history = [{"role": "system", "content": "Be brief."}]
    for i in range(12):
        history += [
            {"role": "user", "content": f"question {i} " * 5},
            {"role": "assistant", "content": "ok " * 5},
        ]
    history.append({"role": "user", "content": "last question"})
    full = build_prompt(tokenizer, history, budget=10_000)
    assert not full.truncated_history
    cut = build_prompt(tokenizer, history, budget=len(full.token_ids) // 2)
    assert cut.truncated_history and len(cut.token_ids) <= len(full.token_ids) // 2
    text = tokenizer.decode(cut.token_ids)
    assert "Be brief." in text and "last question" in text and "question 0 " not in text
    with pytest.raises(InvalidRequestError, match="context window"):
        build_prompt(tokenizer, history, budget=5)


def test_stream_decoder_holds_back_partial_stop_strings():
    tokenizer = build_tokenizer()
    decoder = StreamDecoder(tokenizer, stop=("capital",))
    pieces = [decoder.add(t) for t in tokenizer.encode("The capital of France")]
    assert decoder.stopped and decoder.text == "The "
    assert "".join(pieces) + decoder.flush() == "The "
