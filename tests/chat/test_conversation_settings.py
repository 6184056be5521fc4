"""The chat settings panel's values (system prompt, temperature, top-p, max tokens) reach the generation."""

from tests.chat.conftest import sign_up
from tests.chat.test_chat_e2e import ask, new_conversation

QUESTION = "Name three colours"


def answer(http, headers, conversation_id: int, **extra) -> dict:
    return ask(http, headers, conversation_id, QUESTION, **extra)[-1].data["message"]


def test_conversation_settings_apply_without_per_message_params(http):
    headers = sign_up(http, "settings")
    plain = new_conversation(http, headers, temperature=0, max_tokens=6)
    prompted = new_conversation(
        http, headers, system_prompt="You answer in one word. " * 4, temperature=0, top_p=0.9, max_tokens=3
    )
    greedy = answer(http, headers, plain, params=None)
    short = answer(http, headers, prompted, params=None)

    assert 0 < short["completion_tokens"] <= 3, "max_tokens caps the answer"
    assert greedy["completion_tokens"] <= 6
    assert short["prompt_tokens"] >= greedy["prompt_tokens"] + 20, "the system prompt is part of the prompt"
    stored = http.get(f"/api/v1/conversations/{prompted}", headers=headers).json()
    assert stored["top_p"] == 0.9 and stored["max_tokens"] == 3


def test_top_p_narrows_sampling_to_the_greedy_token(http):
    """At temperature 1 the tiny random model samples widely; top-p 1e-6 keeps only the likeliest token."""
    headers = sign_up(http, "nucleus")
    greedy = answer(http, headers, new_conversation(http, headers, temperature=0, max_tokens=12), params=None)
    nucleus = new_conversation(http, headers, temperature=1.0, top_p=1e-6, max_tokens=12)
    assert answer(http, headers, nucleus, params=None)["content"] == greedy["content"]
    patched = http.patch(f"/api/v1/conversations/{nucleus}", json={"top_p": 0}, headers=headers)
    assert patched.status_code == 422 and "top_p" in patched.text
