"""Agent tools run inside a chat answer: `tool` events stream before the tokens and the trace is stored."""

from tests.chat.conftest import sign_up
from tests.chat.test_chat_e2e import ask, new_conversation


def test_calculator_tool_event_precedes_the_answer(http):
    headers = sign_up(http, "agent-user")
    conversation_id = new_conversation(http, headers, planner="deterministic")
    events = ask(http, headers, conversation_id, "What is 12 * (3 + 4)?")
    kinds = [e.event for e in events]
    assert "tool" in kinds and kinds[-1] == "done"
    assert kinds.index("tool") < kinds.index("token")
    tool = next(e for e in events if e.event == "tool").data
    assert tool["name"] == "calculator" and tool["ok"] and "84" in tool["result_preview"]
    stored = events[-1].data["message"]
    assert stored["tool_trace"][0]["name"] == "calculator"
    assert stored["content"] == "**12 * (3 + 4) = 84**", "exact results are stated verbatim, not retyped"


def test_sales_question_runs_a_read_only_select(http, chat_settings):
    import sqlite3

    headers = sign_up(http, "sales-user")
    conversation_id = new_conversation(http, headers, planner="deterministic")
    events = ask(http, headers, conversation_id, "How many orders are in the sales database?")
    tool = next(e for e in events if e.event == "tool").data
    assert tool["name"] == "sql_query" and tool["ok"], tool
    db_path = chat_settings.model_store_dir / "demo_sales.db"
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        (orders,) = db.execute("SELECT COUNT(*) FROM orders").fetchone()
    assert str(orders) in tool["result_preview"]
    answer = events[-1].data["message"]["content"]
    assert f"| orders |\n| --- |\n| {orders} |" in answer, answer


def test_llm_planner_answers_with_the_exact_result_through_the_worker(http):
    """The tiny model's 256-token context cannot hold the planning prompt: the rule-based plan runs instead."""
    headers = sign_up(http, "llm-agent-user")
    conversation_id = new_conversation(http, headers, planner="llm")
    events = ask(http, headers, conversation_id, "What is 1234*5678 + 17?")
    stored = events[-1].data["message"]
    assert [t["name"] for t in stored["tool_trace"]] == ["calculator"] and stored["tool_trace"][0]["ok"]
    assert stored["content"] == "**1234*5678 + 17 = 7006669**"


def test_a_plot_reaches_the_chat_as_an_image(http):
    """The python tool's matplotlib figure streams with its `tool` event and is stored in the trace."""
    import base64

    headers = sign_up(http, "plot-user")
    conversation_id = new_conversation(http, headers, planner="deterministic")
    snippet = "import matplotlib.pyplot as plt\nplt.bar(['jan', 'feb'], [10, 32])\nprint('plotted')\n"
    events = ask(http, headers, conversation_id, f"Plot monthly sales:\n```python\n{snippet}```")
    tool = next(e for e in events if e.event == "tool").data
    assert tool["name"] == "python" and tool["ok"], tool
    [png] = tool["images"]
    assert base64.b64decode(png).startswith(b"\x89PNG\r\n\x1a\n")
    assert events[-1].data["message"]["tool_trace"][0]["images"] == [png]
