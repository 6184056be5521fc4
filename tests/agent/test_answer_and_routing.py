"""Answers carry exact tool results verbatim; identifiers are not arithmetic; attached knowledge is searched."""

import pytest

from worker.agent import AgentContext, run_agent
from worker.agent.answer import sources_footer
from worker.agent.planners.identifiers import mask_identifiers


def ask(text: str, ctx: AgentContext, planner: str = "deterministic"):
    return run_agent([{"role": "user", "content": text}], ctx, planner)


def test_calculator_answer_is_composed_from_the_result_without_the_model(fake_search):
    result = ask("what is 1234*5678 + 17?", AgentContext(knowledge_search=fake_search))
    assert result.preface == "**1234*5678 + 17 = 7006669**" and result.generate is False
    assert fake_search.calls == [], "the plan says why the knowledge base is not needed"


def test_sql_answer_states_the_table_verbatim(demo_db, reference_db):
    (total,) = reference_db.execute(
        "SELECT ROUND(SUM(quantity * unit_price), 2) FROM orders WHERE status != 'cancelled'"
    ).fetchone()
    result = ask("What was the total revenue?", AgentContext(sql_db_path=demo_db))
    assert result.generate is False
    assert f"| revenue |\n| --- |\n| {total} |" in result.preface
    assert "```sql\nSELECT ROUND(SUM(o.quantity * o.unit_price), 2) AS revenue" in result.preface


def test_a_failed_exact_tool_is_stated_as_a_failure_not_a_figure():
    result = ask("what is 1/0 + 1?", AgentContext())
    assert result.preface.startswith("I could not get that result (calculator: math error")
    assert result.generate is False


@pytest.mark.parametrize(
    "question",
    [
        "What is the maximum range of the Orion-7?",
        "What changed in v1.2?",
        "How does GPT-4 compare to GPT-3.5?",
        "What happened on 2024-03-01?",
        "Which features shipped in release 2.10.3?",
        "Is the temperature -7 degrees?",
    ],
)
def test_identifiers_are_not_arithmetic_and_the_knowledge_base_is_searched(question, fake_search):
    result = ask(question, AgentContext(knowledge_search=fake_search))
    assert [e["name"] for e in result.trace] == ["knowledge_search"]
    assert fake_search.calls == [(question, 4)] and result.generate is True


def test_real_arithmetic_next_to_an_identifier_still_computes():
    result = ask("Orion-7 flies 120 km per hour; what is 120 * 3?", AgentContext())
    assert result.trace[0]["arguments"] == {"expression": "120 * 3"}
    assert mask_identifiers("sqrt(2) + pi-3 on GPT-4o") == "sqrt(2) + pi-3 on ident"


def test_mixed_question_states_the_figure_and_keeps_the_citations(fake_search):
    question = "What is 2 + 3? What does the handbook say about vacation?"
    result = ask(question, AgentContext(knowledge_search=fake_search))
    assert [e["name"] for e in result.trace] == ["calculator", "knowledge_search"]
    assert result.preface == "**2 + 3 = 5**" and result.generate is True
    assert "do not repeat or change them" in result.messages[-1]["content"]
    assert [c["n"] for c in result.citations] == [1, 2]


def test_small_talk_with_a_knowledge_base_skips_the_search_with_a_reason(fake_search):
    result = ask("hello!", AgentContext(knowledge_search=fake_search))
    assert result.trace == [] and fake_search.calls == []


def test_knowledge_answer_that_cites_nothing_or_invents_a_figure_gets_the_passage(fake_search):
    citations = ask("What does the handbook say about vacation?", AgentContext(knowledge_search=fake_search)).citations
    quote = (
        "\n\n> Full-time employees receive 25 vacation days per calendar year.\n\n— [1] employee-handbook.pdf, page 12"
    )
    sources = "\n\nSources: [1] employee-handbook.pdf, page 12; [2] employee-handbook.pdf, page 13"
    assert sources_footer("You get 25 days.", citations) == quote + sources
    assert sources_footer("You get 30 days [1].", citations) == quote, "30 is in no passage"
    assert sources_footer("You get 25 days [1], carried over until March 31 [2].", citations) == ""
    assert sources_footer("Anything", []) == ""
