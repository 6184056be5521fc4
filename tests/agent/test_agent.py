"""End-to-end agent runs with the deterministic planner, as small models and tests use it."""

import numpy as np
import pytest

from worker.agent import AgentContext, AgentResult, run_agent

EVENT_KEYS = {"name", "arguments", "result_preview", "duration_ms", "ok"}


def ask(text: str, ctx: AgentContext, planner: str = "deterministic") -> AgentResult:
    return run_agent(
        [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": text}], ctx, planner
    )


def test_arithmetic_routes_to_the_calculator_and_the_prompt_carries_the_result(fake_search):
    events = []
    result = ask("What is 1234 * 5678 + 9?", AgentContext(knowledge_search=fake_search, on_tool_event=events.append))
    assert [e["name"] for e in events] == ["calculator"]
    assert EVENT_KEYS <= set(events[0]) and events[0]["ok"]
    assert events[0]["arguments"] == {"expression": "1234 * 5678 + 9"}
    assert str(1234 * 5678 + 9) in result.messages[-1]["content"]
    assert result.messages[0] == {"role": "system", "content": "You are helpful."}
    assert fake_search.calls == []


def test_document_question_retrieves_with_citations(fake_search):
    events = []
    ctx = AgentContext(knowledge_search=fake_search, on_tool_event=events.append)
    result = ask("What does the employee handbook say about vacation days?", ctx)
    assert fake_search.calls == [("What does the employee handbook say about vacation days?", 4)]
    assert [e["name"] for e in events] == ["knowledge_search"]
    assert [(c["n"], c["document_id"], c["page"]) for c in result.citations] == [(1, 7, 12), (2, 7, 13)]
    assert set(result.citations[0]) == {"n", "document_id", "document_name", "page", "snippet", "score"}
    prompt = result.messages[-1]["content"]
    assert "[1] employee-handbook.pdf, page 12: Full-time employees receive 25 vacation days" in prompt
    assert "[n]" not in prompt and "like [1]" in prompt


def test_sales_question_runs_sql_on_the_demo_database(demo_db, reference_db, fake_search):
    (expected,) = reference_db.execute(
        "SELECT SUM(o.quantity * o.unit_price) FROM orders o JOIN customers c ON c.id = o.customer_id "
        "WHERE o.status <> 'cancelled' AND c.region = 'West'"
    ).fetchone()
    ctx = AgentContext(knowledge_search=fake_search, sql_db_path=demo_db)
    result = ask("What is the total sales revenue in the West region?", ctx)
    assert [e["name"] for e in result.trace] == ["sql_query"] and result.trace[0]["ok"]
    assert f"| {round(expected, 2)} |" in result.messages[-1]["content"]


def test_small_model_subtask():
    calls = []

    def small(messages):
        calls.append(messages)
        return "Bonjour à tous"

    result = ask("Translate into French: good morning everyone", AgentContext(small_complete=small))
    assert result.trace[0]["name"] == "small_model"
    assert result.trace[0]["arguments"] == {
        "task": "translate",
        "text": "good morning everyone",
        "instruction": "into French",
    }
    assert "Bonjour à tous" in result.messages[-1]["content"]
    assert "good morning everyone" in calls[0][-1]["content"]


def test_chained_steps_are_bounded(fake_search, demo_db):
    ctx = AgentContext(knowledge_search=fake_search, sql_db_path=demo_db, max_steps=2)
    question = "What is 2 + 3? What does the handbook say about vacation? How many orders were placed in 2024?"
    result = ask(question, ctx)
    assert [e["name"] for e in result.trace] == ["calculator", "knowledge_search"]
    content = result.messages[-1]["content"]
    assert "2 + 3 = 5" in content and "[1] employee-handbook.pdf" in content


def test_plain_chat_without_tools_leaves_messages_unchanged():
    messages = [{"role": "user", "content": "hello there"}]
    result = run_agent(messages, AgentContext())
    assert result.messages == messages and result.trace == [] and result.citations == []


def test_embedding_routing_with_an_injected_embedder(demo_db, fake_search):
    """A bag-of-words embedder stands in for MiniLM: routing follows similarity to tool descriptions."""
    vocabulary = sorted(
        {w for t in ("orders revenue customers products sales region", "handbook document policy") for w in t.split()}
    )

    def embed(texts):
        return np.array([[float(w in t.lower()) for w in vocabulary] + [0.01] for t in texts])

    ctx = AgentContext(knowledge_search=fake_search, sql_db_path=demo_db, embed=embed)
    assert ask("how many orders per region", ctx).trace[0]["name"] == "sql_query"
    assert ask("what is our policy on remote work", ctx).trace[0]["name"] == "knowledge_search"


def test_unknown_planner_is_rejected():
    with pytest.raises(ValueError, match="unknown planner"):
        run_agent([{"role": "user", "content": "hi"}], AgentContext(), "magic")
