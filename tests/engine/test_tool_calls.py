"""Function calling in the engines: the tool history rendered natively (Hermes/Qwen-style template) or as text,
calls parsed out of a model's reply, and the streamed text held back from `<tool_call>` on."""

import json

from tests.support.tiny_model import CHATML_TEMPLATE, build_tokenizer
from worker.engine.messages import build_prompt, has_tool_template, validate_messages
from worker.engine.tool_calls import HoldBack, parse_tool_calls

# The parts of Qwen2.5's template that matter here: tools in the system turn, calls and results as tags.
HERMES_TEMPLATE = (
    "{% if tools %}<|im_start|>system\n<tools>{% for tool in tools %}\n{{ tool | tojson }}{% endfor %}\n</tools>"
    "<|im_end|>\n{% endif %}"
    "{% for message in messages %}"
    "{% if message.role == 'tool' %}<|im_start|>user\n<tool_response>\n{{ message.content }}\n</tool_response>"
    "<|im_end|>\n"
    "{% elif message.tool_calls %}<|im_start|>assistant\n{% for call in message.tool_calls %}"
    '<tool_call>\n{"name": "{{ call.function.name }}", "arguments": {{ call.function.arguments | tojson }}}'
    "\n</tool_call>{% endfor %}<|im_end|>\n"
    "{% else %}<|im_start|>{{ message.role }}\n{{ message.content }}<|im_end|>\n{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
FUNCTIONS = {"get_weather": {"type": "object"}}
CALL = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
HISTORY = [
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": None, "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": "call_1", "content": "31 C"},
]


def _rendered(template: str, tools=None) -> str:
    tokenizer = build_tokenizer()
    prompt = build_prompt(tokenizer, validate_messages(HISTORY), 100_000, template, tools)
    return tokenizer.decode(prompt.token_ids)


def test_a_tool_template_renders_tools_calls_and_results_itself():
    assert has_tool_template(build_tokenizer(), HERMES_TEMPLATE)
    text = _rendered(HERMES_TEMPLATE, [WEATHER])
    assert '"name": "get_weather"' in text.split("</tools>")[0]
    assert '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>' in text
    assert "<tool_response>\n31 C\n</tool_response>" in text


def test_without_a_tool_template_the_history_is_written_out_as_text():
    assert not has_tool_template(build_tokenizer(), CHATML_TEMPLATE)
    text = _rendered(CHATML_TEMPLATE, [WEATHER])
    assert "<tools>" not in text, "tools go into a system prompt the caller writes, not the template"
    assert '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}' in text
    assert "<|im_start|>user\n<tool_response>\n31 C\n</tool_response>" in text


def test_calls_are_parsed_from_a_reply_and_prose_stays_prose():
    reply = (
        'Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n'
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Rome"}}</tool_call>'
        '<tool_call>{"name": "launch_rockets", "arguments": {}}</tool_call>'
    )
    content, calls = parse_tool_calls(reply, FUNCTIONS)
    assert content == "Let me check."
    assert [json.loads(c["function"]["arguments"]) for c in calls] == [{"city": "Paris"}, {"city": "Rome"}]
    assert len({c["id"] for c in calls}) == 2
    assert parse_tool_calls("It is sunny.", FUNCTIONS) == ("It is sunny.", [])
    assert parse_tool_calls("<tool_call>not json</tool_call>", FUNCTIONS) == ("<tool_call>not json</tool_call>", [])


def test_streamed_text_is_held_back_from_the_tag_on():
    held = HoldBack()
    shown = [held.feed(piece) for piece in ["Sure", ", <to", "ol_", "call>", '{"name"', "</tool_call>"]]
    assert "".join(shown) == "Sure, "
    plain = HoldBack()
    shown = [plain.feed(piece) for piece in ["a <", "b", " <tool"]]
    assert "".join(shown) == "a <b " and plain.rest() == "<tool"
