import json

import pytest

from tests.agent.conftest import file_digest
from worker.agent import AgentContext, run_agent
from worker.agent.runner import execute
from worker.agent.sql.database import QueryError, read_only_query
from worker.agent.sql.guard import UnparseableSQL, UnsafeSQL, ensure_select
from worker.agent.tools import all_tools
from worker.agent.tools.base import ToolEnv

SQL_TOOL = all_tools()["sql_query"]

ATTACKS = [
    "DROP TABLE orders",
    "UPDATE orders SET quantity = 0",
    "DELETE FROM customers",
    "INSERT INTO products (name, category, unit_price) VALUES ('x', 'y', 1)",
    "REPLACE INTO products VALUES (1, 'x', 'y', 1)",
    "SELECT * FROM orders; DROP TABLE orders",
    "SELECT 1; UPDATE orders SET quantity = 0;",
    "ATTACH DATABASE '/tmp/evil.db' AS evil",
    "DETACH DATABASE main",
    "PRAGMA query_only = OFF",
    "PRAGMA writable_schema = ON",
    "SELECT 1 /* harmless */; DROP TABLE orders -- ",
    "SELECT 1 --\n; DELETE FROM orders",
    "WITH gone AS (DELETE FROM orders RETURNING *) SELECT * FROM gone",
    "WITH x AS (UPDATE orders SET quantity = 0 RETURNING id) SELECT count(*) FROM x",
    "WITH x AS (INSERT INTO products VALUES (99, 'a', 'b', 1) RETURNING id) SELECT * FROM x",
    "SELECT load_extension('/tmp/evil.so')",
    "SELECT writefile('/tmp/x', 'y')",
    "SELECT * INTO backup FROM orders",
    "CREATE TABLE t AS SELECT * FROM orders",
    "VACUUM INTO '/tmp/copy.db'",
    "BEGIN; DELETE FROM orders; COMMIT",
]


@pytest.mark.parametrize("sql", ATTACKS)
def test_guard_refuses(sql):
    with pytest.raises(UnsafeSQL):
        ensure_select(sql)


def test_guard_never_passes_text_it_cannot_parse():
    with pytest.raises(UnparseableSQL):
        ensure_select("SELECT FROM WHERE (")


def test_guard_returns_the_checked_statement_without_comments():
    assert ensure_select("SELECT name FROM products /* ; DROP TABLE orders */ LIMIT 2;") == (
        "SELECT name FROM products LIMIT 2"
    )
    assert ensure_select("WITH t AS (SELECT 1 AS x) SELECT x FROM t UNION SELECT 2").startswith("WITH")


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE orders",
        "ATTACH DATABASE 'evil.db' AS evil",
        "PRAGMA query_only = OFF",
        "DELETE FROM orders",
        "SELECT load_extension('x')",
    ],
)
def test_connection_is_read_only_even_without_the_guard(demo_db, sql):
    before = file_digest(demo_db)
    with pytest.raises(QueryError):
        read_only_query(demo_db, sql)
    assert file_digest(demo_db) == before


def test_runaway_query_hits_the_time_limit(demo_db):
    sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    with pytest.raises(QueryError, match="time limit"):
        read_only_query(demo_db, ensure_select(sql), time_limit_s=0.2)


def test_row_limit(demo_db):
    columns, rows, truncated = read_only_query(demo_db, "SELECT id FROM orders", max_rows=10)
    assert columns == ["id"] and len(rows) == 10 and truncated


def test_template_answers_a_sales_question_with_the_correct_figure(demo_db, reference_db):
    (expected,) = reference_db.execute(
        "SELECT SUM(quantity * unit_price) FROM orders WHERE status <> 'cancelled' AND order_date LIKE '2024-%'"
    ).fetchone()
    run = execute(SQL_TOOL, {"question": "What was the total revenue in 2024?"}, ToolEnv(sql_db_path=demo_db))
    assert run.event["ok"], run.event
    assert f"| {round(expected, 2)} |" in run.output.text
    assert "SELECT" in run.output.text


def test_top_products_template(demo_db, reference_db):
    expected = [
        row[0]
        for row in reference_db.execute(
            "SELECT p.name FROM orders o JOIN products p ON p.id = o.product_id "
            "WHERE o.status <> 'cancelled' GROUP BY p.name "
            "ORDER BY SUM(o.quantity * o.unit_price) DESC LIMIT 3"
        )
    ]
    run = execute(SQL_TOOL, {"question": "Top 3 products by revenue"}, ToolEnv(sql_db_path=demo_db))
    table_rows = [line for line in run.output.text.splitlines() if line.startswith("| ") and "---" not in line]
    assert [r.split(" | ")[0].strip("| ") for r in table_rows[1:]] == expected


def test_counts_by_region(demo_db, reference_db):
    expected = dict(reference_db.execute("SELECT region, COUNT(*) FROM customers GROUP BY region"))
    run = execute(SQL_TOOL, {"question": "How many customers are in each region?"}, ToolEnv(sql_db_path=demo_db))
    for region, count in expected.items():
        assert f"| {region} | {count} |" in run.output.text


def _forced_model(sql: str):
    """A chat model that always calls sql_query and, asked for SQL, writes the attack."""

    def complete(messages):
        system = messages[0]["content"]
        if "<tools>" in system:
            if any("<tool_response>" in m["content"] for m in messages):
                return "ANSWER"
            call = {"name": "sql_query", "arguments": {"question": messages[-1]["content"]}}
            return f"<tool_call>{json.dumps(call)}</tool_call>"
        assert "SELECT statement" in system
        return f"Sure, here you go:\n```sql\n{sql}\n```"

    return complete


@pytest.mark.parametrize("sql", ATTACKS)
def test_a_model_forced_to_write_attacks_is_refused_and_the_database_is_untouched(demo_db, sql):
    before = file_digest(demo_db)
    events = []
    ctx = AgentContext(complete=_forced_model(sql), sql_db_path=demo_db, on_tool_event=events.append)
    result = run_agent([{"role": "user", "content": "Clean up the orders table"}], ctx, "llm")
    assert [e["name"] for e in events] == ["sql_query"]
    assert events[0]["ok"] is False, events[0]
    assert events[0]["error"].startswith("refused unsafe SQL"), events[0]["error"]
    assert result.trace == events
    assert "FAILED" in result.messages[-1]["content"]
    assert file_digest(demo_db) == before


def test_model_written_select_is_run_where_no_template_fits(demo_db, reference_db):
    expected = [r[0] for r in reference_db.execute("SELECT name FROM products WHERE category = 'Audio' ORDER BY 1")]
    ctx = AgentContext(
        complete=_forced_model("SELECT name FROM products WHERE category = 'Audio' ORDER BY name"),
        sql_db_path=demo_db,
    )
    result = run_agent([{"role": "user", "content": "List our products in the Audio category"}], ctx, "llm")
    assert result.trace[0]["ok"], result.trace
    assert all(f"| {name} |" in result.preface for name in expected)


def test_a_template_question_never_runs_the_models_figures(demo_db, reference_db):
    (expected,) = reference_db.execute(
        "SELECT ROUND(SUM(quantity * unit_price), 2) FROM orders WHERE status != 'cancelled'"
    ).fetchone()
    ctx = AgentContext(complete=_forced_model("SELECT 7773.72 AS revenue"), sql_db_path=demo_db)
    result = run_agent([{"role": "user", "content": "What was the total sales revenue?"}], ctx, "llm")
    assert f"| {expected} |" in result.preface and "7773.72" not in result.preface


def test_model_reply_without_sql_falls_back_to_the_template(demo_db, reference_db):
    (expected,) = reference_db.execute("SELECT COUNT(*) FROM customers WHERE region = 'North'").fetchone()
    ctx = AgentContext(complete=_forced_model(""), sql_db_path=demo_db)
    result = run_agent([{"role": "user", "content": "How many customers are in the North region?"}], ctx, "llm")
    assert result.trace[0]["ok"], result.trace
    assert f"| {expected} |" in result.messages[-1]["content"]


@pytest.mark.parametrize(
    ("question", "reference_sql"),
    [
        (
            "Which region had the highest revenue?",
            "SELECT c.region FROM orders o JOIN customers c ON c.id = o.customer_id "
            "WHERE o.status <> 'cancelled' GROUP BY c.region "
            "ORDER BY SUM(o.quantity * o.unit_price) DESC LIMIT 1",
        ),
        (
            "Which product sold the most units in 2025?",
            "SELECT p.name FROM orders o JOIN products p ON p.id = o.product_id "
            "WHERE o.status <> 'cancelled' AND o.order_date >= '2025-01-01' "
            "GROUP BY p.name ORDER BY SUM(o.quantity) DESC LIMIT 1",
        ),
        (
            "Which region has the most customers?",
            "SELECT region FROM customers GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1",
        ),
    ],
)
def test_which_questions_put_the_answer_in_the_first_row(demo_db, reference_db, question, reference_sql):
    (expected,) = reference_db.execute(reference_sql).fetchone()
    run = execute(SQL_TOOL, {"question": question}, ToolEnv(sql_db_path=demo_db))
    first_row = run.output.text.split("| --- |")[1].splitlines()[1]
    assert first_row.startswith(f"| {expected} |"), run.output.text
