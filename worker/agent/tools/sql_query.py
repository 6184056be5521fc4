"""sql_query: answer a data question with one read-only SELECT over the configured SQLite database."""

from worker.agent.sql.database import (
    QueryError,
    default_db_path,
    distinct_values,
    ensure_demo_db,
    read_only_query,
    table_schema,
)
from worker.agent.sql.guard import UnparseableSQL, UnsafeSQL, ensure_select
from worker.agent.sql.render import markdown_table
from worker.agent.sql.writers import Vocabulary, sql_from_model, sql_from_template
from worker.agent.tools.base import Tool, ToolEnv, ToolError, ToolOutput, closed_object

MAX_ROWS = 50
QUERY_TIME_LIMIT_S = 3.0


def _template_sql(question: str, db_path) -> str | None:
    regions = distinct_values(db_path, "customers", "region")
    vocab = Vocabulary(regions, distinct_values(db_path, "products", "category"))
    return sql_from_template(question, vocab)


def _write_sql(question: str, env: ToolEnv, db_path) -> str:
    """Template SQL where a template fits (exact and tested); otherwise the model's, when configured.

    A model reply that is not SQL at all falls back to "no template fits"; one that parses but breaks the
    SELECT-only policy is refused outright, never replaced.
    """
    sql = _template_sql(question, db_path)
    if sql is None and env.sql_writer == "model" and env.complete is not None:
        sql = sql_from_model(question, table_schema(db_path), env.complete)
        if sql is not None:
            try:
                return ensure_select(sql)
            except UnparseableSQL:
                sql = None
    if sql is None:
        raise ToolError("no SQL template fits this question (ask about revenue, orders or customers)")
    return ensure_select(sql)


def run(args: dict, env: ToolEnv) -> ToolOutput:
    db_path = ensure_demo_db(env.sql_db_path or default_db_path())
    try:
        sql = _write_sql(args["question"], env, db_path)
        columns, rows, truncated = read_only_query(db_path, sql, MAX_ROWS, QUERY_TIME_LIMIT_S)
    except UnsafeSQL as exc:
        raise ToolError(f"refused unsafe SQL: {exc}") from exc
    except (UnparseableSQL, QueryError) as exc:
        raise ToolError(f"SQL failed: {exc}") from exc
    note = f"\n\n(first {MAX_ROWS} rows shown)" if truncated else ""
    table = markdown_table(columns, rows)
    return ToolOutput(
        f"```sql\n{sql}\n```\n\n{table}{note}",
        answer=f"From the sales database:\n\n{table}{note}\n\nQuery:\n\n```sql\n{sql}\n```",
    )


TOOL = Tool(
    name="sql_query",
    description=(
        "Answer questions about sales data (products, customers, orders, revenue, regions, categories) "
        "by running one read-only SQL SELECT on the sales database. Returns a Markdown table."
    ),
    parameters=closed_object({"question": {"type": "string", "minLength": 1, "maxLength": 1000}}, ["question"]),
    run=run,
    suggest_args=lambda question: {"question": question},
    timeout_s=10.0,
    max_output_chars=6000,
    examples=(
        "What was the total revenue in 2024?",
        "Top 5 products by sales",
        "How many customers are in each region?",
        "Revenue by product category",
    ),
    keywords=frozenset(
        "sales revenue revenues orders order customers customer products sold selling units region regions "
        "category categories turnover purchases spend spent monthly".split()
    ),
)
