"""Two ways to turn a question into SQL: the chat model shown the schema, or deterministic templates."""

import re
from dataclasses import dataclass

from worker.agent.context import Complete

_FENCE = re.compile(r"```(?:sql|sqlite)?\s*(.*?)```", re.IGNORECASE | re.DOTALL)

SQL_SYSTEM_PROMPT = """You write one SQLite SELECT statement that answers the user's question.
The database is read-only. Schema:

{schema}

Rules: a single SELECT (a WITH clause is fine); never modify data; no PRAGMA or ATTACH; at most 50 rows.
Revenue is SUM(quantity * unit_price) over orders whose status is not 'cancelled'.
Reply with only the SQL inside a ```sql code block."""


def sql_from_model(question: str, schema: str, complete: Complete) -> str | None:
    """The model's SQL (first fenced block, else the whole reply); None when it wrote nothing."""
    reply = complete(
        [
            {"role": "system", "content": SQL_SYSTEM_PROMPT.format(schema=schema)},
            {"role": "user", "content": question},
        ]
    )
    match = _FENCE.search(reply)
    sql = (match.group(1) if match else reply).strip()
    return sql or None


@dataclass(frozen=True)
class Vocabulary:
    """Known column values the templates can filter on."""

    regions: list[str]
    categories: list[str]


_REVENUE = ("ROUND(SUM(o.quantity * o.unit_price), 2) AS revenue", True)
_UNITS = ("SUM(o.quantity) AS units_sold", True)
_ORDERS = ("COUNT(*) AS orders", False)
_AOV = ("ROUND(AVG(o.quantity * o.unit_price), 2) AS avg_order_value", True)

_BY = r"\b(?:by|per|each|every|across|which|what)"
_GROUPS = {
    "region": ("c.region", re.compile(rf"{_BY} regions?\b|\bregions\b")),
    "category": ("p.category", re.compile(rf"{_BY} (?:product )?category\b|\bcategories\b")),
    "month": ("strftime('%Y-%m', o.order_date)", re.compile(rf"{_BY} month\b|\bmonthly\b")),
    "product": (
        "p.name",
        re.compile(r"\b(?:top|best|most|best-selling|top-selling|which|what)\b.*\bproducts?\b"),
    ),
    "customer": ("c.name", re.compile(r"\b(?:top|best|biggest|largest|which|who)\b.*\bcustomers?\b")),
}


def _metric(q: str) -> tuple[str, bool] | None:
    if re.search(r"\baverage order (value|size)\b|\baov\b", q):
        return _AOV
    if re.search(r"\b(units?|quantity|quantities|items sold|sold the most|most sold)\b", q):
        return _UNITS
    if re.search(r"\b(how many|number of|count of|count)\b.*\borders\b|\border count\b", q):
        return _ORDERS
    if re.search(r"\b(revenue|sales|turnover|income|earn\w*|spen[dt]\w*|sold|best-selling|top-selling|top|best)\b", q):
        return _REVENUE
    return None


def _mentioned(q: str, values: list[str]) -> str | None:
    return next((v for v in values if re.search(rf"\b{re.escape(v.lower())}\b", q)), None)


def _equals(column: str, value: str) -> str:
    return f"{column} = '{value.replace(chr(39), chr(39) * 2)}'"


def _filters(q: str, vocab: Vocabulary) -> list[str]:
    conditions = []
    if year := re.search(r"\b(20\d\d)\b", q):
        conditions.append(f"strftime('%Y', o.order_date) = '{year.group(1)}'")
    for column, values in (("c.region", vocab.regions), ("p.category", vocab.categories)):
        if value := _mentioned(q, values):
            conditions.append(_equals(column, value))
    return conditions


def _count_query(q: str, vocab: Vocabulary) -> str | None:
    """Counts of customers or products, which need no join with orders."""
    if not re.search(r"\b(how many|number of|count)\b|\b(most|fewest|least) (customers|products)\b", q):
        return None
    if re.search(r"\bcustomers?\b", q):
        table, alias, column, values = "customers", "c", "region", vocab.regions
    elif re.search(r"\bproducts?\b", q):
        table, alias, column, values = "products", "p", "category", vocab.categories
    else:
        return None
    if _GROUPS["region" if alias == "c" else "category"][1].search(q):
        return f"SELECT {alias}.{column}, COUNT(*) AS {table} FROM {table} {alias} GROUP BY 1 ORDER BY 2 DESC"
    value = _mentioned(q, values)
    where = f" WHERE {_equals(f'{alias}.{column}', value)}" if value else ""
    return f"SELECT COUNT(*) AS {table} FROM {table} {alias}{where}"


def sql_from_template(question: str, vocab: Vocabulary) -> str | None:
    """SQL for common sales questions (totals, top products, breakdowns, counts); None if unknown."""
    q = question.lower()
    if count := _count_query(q, vocab):
        return count
    metric = _metric(q)
    if metric is None:
        return None
    select, completed_only = metric
    conditions = (["o.status != 'cancelled'"] if completed_only else []) + _filters(q, vocab)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    source = "FROM orders o JOIN customers c ON c.id = o.customer_id JOIN products p ON p.id = o.product_id"
    group = next((name for name, (_, pattern) in _GROUPS.items() if pattern.search(q)), None)
    if group is None:
        return f"SELECT {select} {source}{where}"
    key = _GROUPS[group][0]
    if group == "month":
        order = "2 DESC" if re.search(r"\b(which|what) month\b", q) else "1"
        return f"SELECT {key} AS month, {select} {source}{where} GROUP BY 1 ORDER BY {order}"
    limit = ""
    if group in ("product", "customer"):
        top = re.search(r"\btop (\d{1,2})\b", q)
        limit = f" LIMIT {int(top.group(1)) if top else 5}"
    return f"SELECT {key} AS {group}, {select} {source}{where} GROUP BY 1 ORDER BY 2 DESC{limit}"
