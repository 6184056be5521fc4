"""Agent eval: does each planner pick the right tool, and does the final answer carry the tool's exact result?

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.agent_eval [--model smollm2-135m-instruct] [--planners ...]

34 questions: arithmetic, SQL aggregates over the demo sales database, lookups in a small knowledge base
(an employee handbook, a travel policy, release notes and a spec sheet naming `Orion-7`), mixed questions that
need two tools, and questions that need none. Every question goes through `run_agent` exactly as a chat answer
does (same context callables, constrained decoding for the llm planner, MiniLM for the deterministic router),
then the final answer is built the way the worker builds it: the composed preface, the model's text where the
agent asks for it, and a sources line for an answer that cites nothing. Scores, per planner:

- right tool: the set of tools called equals the expected set (tool questions);
- exact result: every successful calculator/SQL result appears verbatim in the final answer (the value after
  `=`, every cell of the table);
- correct figure: the reference figure (Python arithmetic, an independent SQL query) is in the answer;
- no tool: no tool called on the questions that need none (no knowledge base attached there);
- grounded: a knowledge answer contains the passage's fact and cites a source; the agent-off answer (retrieval
  only, the model answers from the passages) is scored the same way on the same questions.
"""

import argparse
import json
import math
import os
import re
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

MODEL = "smollm2-135m-instruct"
ANSWER_TOKENS = 96

PASSAGES = [
    ("employee-handbook.pdf", 12, "Full-time employees receive 25 vacation days per calendar year."),
    ("employee-handbook.pdf", 13, "Unused vacation days can be carried over until March 31 of the next year."),
    ("employee-handbook.pdf", 20, "Employees may work remotely up to two days per week with their manager's approval."),
    ("employee-handbook.pdf", 31, "Parental leave is 16 weeks at full pay for every parent."),
    ("travel-policy.md", 2, "Hotels on business trips may cost at most 180 EUR per night."),
    ("orion-7-spec-sheet.pdf", 1, "The Orion-7 drone has a maximum range of 5400 km."),
    ("orion-7-spec-sheet.pdf", 2, "The Orion-7 carries a maximum payload of 1200 kg."),
    ("release-notes.md", 4, "Version v1.2 added an offline mode and fixed the sync bug on Android."),
]


@dataclass(frozen=True)
class Question:
    kind: str  # arithmetic, sql, knowledge, mixed, none
    text: str
    tools: frozenset[str]
    figures: tuple[str, ...] = ()  # reference values the answer must contain
    fact: str = ""  # knowledge: the passage's fact (a regex)
    reference_sql: str = ""  # sql: computes `figures` independently
    knowledge: bool = True  # a knowledge base is attached


def _q(kind: str, text: str, tools: str = "", **kw) -> Question:
    return Question(kind, text, frozenset(tools.split()), **kw)


CALC, SQL, KB = "calculator", "sql_query", "knowledge_search"
REVENUE = "SELECT ROUND(SUM(o.quantity * o.unit_price), 2) FROM orders o"
QUESTIONS = [
    _q("arithmetic", "what is 1234*5678 + 17?", CALC, figures=("7006669",)),
    _q("arithmetic", "What is 15% of 240?", CALC, figures=("36",)),
    _q("arithmetic", "Compute (48 + 52) * 3 - 7", CALC, figures=("293",)),
    _q("arithmetic", "what's 2^10 - 24?", CALC, figures=("1000",)),
    _q("arithmetic", "What is the square root of 144 plus 8?", CALC, figures=("20",)),
    _q("arithmetic", "How much is 987654 / 3?", CALC, figures=("329218",)),
    _q("arithmetic", "What is 17 times 23?", CALC, figures=("391",)),
    _q("arithmetic", "I buy 12 boxes at 7.5 each: what is 12 * 7.5?", CALC, figures=("90",)),
    _q(
        "sql",
        "What was the total revenue in 2024?",
        SQL,
        reference_sql=f"{REVENUE} WHERE o.status != 'cancelled' AND o.order_date LIKE '2024%'",
    ),
    _q(
        "sql",
        "How many customers are in each region?",
        SQL,
        reference_sql="SELECT COUNT(*) FROM customers GROUP BY region",
    ),
    _q(
        "sql",
        "Top 3 products by revenue",
        SQL,
        reference_sql="SELECT p.name FROM orders o JOIN products p ON p.id = o.product_id WHERE o.status != "
        "'cancelled' GROUP BY p.name ORDER BY SUM(o.quantity * o.unit_price) DESC LIMIT 3",
    ),
    _q(
        "sql",
        "Revenue by product category",
        SQL,
        reference_sql=f"{REVENUE} JOIN products p ON p.id = o.product_id WHERE o.status != 'cancelled' "
        "GROUP BY p.category",
    ),
    _q(
        "sql",
        "How many orders were placed in 2025?",
        SQL,
        reference_sql="SELECT COUNT(*) FROM orders WHERE order_date LIKE '2025%'",
    ),
    _q(
        "sql",
        "What is the total sales revenue in the West region?",
        SQL,
        reference_sql=f"{REVENUE} JOIN customers c ON c.id = o.customer_id WHERE o.status != 'cancelled' "
        "AND c.region = 'West'",
    ),
    _q(
        "sql",
        "Which region had the highest revenue?",
        SQL,
        reference_sql="SELECT c.region FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status != "
        "'cancelled' GROUP BY c.region ORDER BY SUM(o.quantity * o.unit_price) DESC LIMIT 1",
    ),
    _q(
        "sql",
        "What is the average order value?",
        SQL,
        reference_sql="SELECT ROUND(AVG(quantity * unit_price), 2) FROM orders WHERE status != 'cancelled'",
    ),
    _q("knowledge", "How many vacation days do full-time employees get?", KB, fact=r"\b25\b"),
    _q("knowledge", "Until when can unused vacation days be carried over?", KB, fact=r"March 31"),
    _q("knowledge", "What is the range of the Orion-7?", KB, fact=r"5,?400"),
    _q("knowledge", "What is the maximum payload of Orion-7?", KB, fact=r"1,?200"),
    _q("knowledge", "What changed in v1.2?", KB, fact=r"offline mode"),
    _q("knowledge", "How much may a hotel cost per night on business trips?", KB, fact=r"\b180\b"),
    _q("knowledge", "How many days per week can employees work remotely?", KB, fact=r"\b(two|2)\b"),
    _q("knowledge", "How long is parental leave?", KB, fact=r"16 weeks"),
    _q(
        "mixed",
        "What is 25 * 8? What does the handbook say about vacation days?",
        f"{CALC} {KB}",
        figures=("200",),
        fact=r"\b25\b",
    ),
    _q(
        "mixed",
        "How many orders were placed in 2024? Also, what is 120 / 4?",
        f"{SQL} {CALC}",
        figures=("30",),
        reference_sql="SELECT COUNT(*) FROM orders WHERE order_date LIKE '2024%'",
    ),
    _q(
        "mixed",
        "What is the range of the Orion-7? Also, what is 5400 / 2?",
        f"{KB} {CALC}",
        figures=("2700",),
        fact=r"5,?400",
    ),
    _q(
        "mixed",
        "What was the total revenue in 2025? What is 15% of 1000?",
        f"{SQL} {CALC}",
        figures=("150",),
        reference_sql=f"{REVENUE} WHERE o.status != 'cancelled' AND o.order_date LIKE '2025%'",
    ),
    _q("none", "hello!", knowledge=False),
    _q("none", "Thanks a lot, that was helpful.", knowledge=False),
    _q("none", "Write a haiku about autumn.", knowledge=False),
    _q("none", "Who wrote Romeo and Juliet?", knowledge=False),
    _q("none", "What is the capital of France?", knowledge=False),
    _q("none", "Tell me a joke about cats.", knowledge=False),
]


def search(query: str, k: int) -> list[dict]:
    """Keyword-overlap search over the passages (retrieval quality is not what this eval measures)."""
    words = set(re.findall(r"[a-z0-9-]+", query.lower())) - {"the", "a", "of", "is", "what", "how", "do", "on"}
    scored = []
    for i, (name, page, text) in enumerate(PASSAGES):
        overlap = len(words & set(re.findall(r"[a-z0-9-]+", text.lower())))
        if overlap:
            scored.append((-overlap, i, {"document_id": i, "document_name": name, "page": page, "text": text}))
    return [hit for _, _, hit in sorted(scored, key=lambda s: s[:2])[:k]]


@dataclass
class Outcome:
    question: Question
    tools: list[str]
    answer: str
    exact_checks: list[bool] = field(default_factory=list)
    figures_ok: bool = True
    grounded: bool | None = None
    grounded_by_model: bool | None = None  # the model's own text, before the quoted-source fallback
    replaced: int = 0
    planned_steps: int = 0
    seconds: float = 0.0


def exact_values(name: str, result: str) -> list[str]:
    """What must appear verbatim: the calculator's value, or every data cell of the SQL table."""
    if name == CALC:
        return [result.rsplit(" = ", 1)[-1].strip()]
    rows = [ln for ln in result.splitlines() if ln.startswith("| ") and "---" not in ln][1:]
    return [cell.strip() for row in rows for cell in row.strip("|").split(" | ") if cell.strip()]


def reference_figures(question: Question, db: sqlite3.Connection) -> list[str]:
    figures = list(question.figures)
    if question.reference_sql:
        figures += [_fmt(row[0]) for row in db.execute(question.reference_sql)]
    return figures


def _fmt(value) -> str:
    if isinstance(value, float):
        value = round(value, 4)
        return str(int(value)) if value.is_integer() and math.isfinite(value) else str(value)
    return str(value)


def cites(answer: str) -> bool:
    return bool(re.search(r"\[\d+\]", answer))


class Runner:
    """The model, the constrained completion and the answer builder, as the generation worker wires them."""

    def __init__(self, engine, model_id: str, db_path: Path, embed):
        from worker.engine.generation import GenerationParams

        self.engine, self.model_id, self.db_path, self.embed = engine, model_id, db_path, embed
        self.tool_params = GenerationParams(temperature=0, max_new_tokens=256)
        self.answer_params = GenerationParams(temperature=0, max_new_tokens=ANSWER_TOKENS)

    def complete(self, messages) -> str:
        return self.engine.complete(self.model_id, messages, self.tool_params).text

    def complete_json(self, messages, schema: dict, tools: list[dict] | None) -> str:
        from dataclasses import replace

        native = json.dumps(tools) if tools else None
        params = replace(self.tool_params, json_schema=json.dumps(schema), tools=native)
        return self.engine.complete(self.model_id, messages, params).text

    def generate(self, messages) -> str:
        return self.engine.complete(self.model_id, messages, self.answer_params).text

    def agent_answer(self, question: Question, planner: str):
        from worker.agent import AgentContext, run_agent
        from worker.agent.answer import sources_footer

        ctx = AgentContext(
            complete=self.complete,
            complete_json=self.complete_json,
            tool_template=self.engine.has_tool_template(self.model_id),
            small_complete=self.complete,
            knowledge_search=search if question.knowledge else None,
            embed=self.embed,
            sql_db_path=self.db_path,
        )
        result = run_agent([{"role": "user", "content": question.text}], ctx, planner)
        answer, text = result.preface, ""
        if result.generate:
            text = self.generate(result.messages)
            answer = f"{answer}\n\n{text}" if answer else text
            answer += sources_footer(text, result.citations, question.text)
        return result, answer, text

    def agent_off_answer(self, question: Question) -> str:
        """Knowledge bases without the agent: the passages in the system prompt, the model answers."""
        from worker.jobs.generation.grounding import CITE_INSTRUCTION, with_system_note

        hits = search(question.text, 4)
        context = "\n\n".join(
            f"[{n}] {h['document_name']}, page {h['page']}: {h['text']}" for n, h in enumerate(hits, 1)
        )
        messages = with_system_note([{"role": "user", "content": question.text}], f"{CITE_INSTRUCTION}\n\n{context}")
        return self.generate(messages)


def evaluate(runner: Runner, planner: str, db: sqlite3.Connection) -> list[Outcome]:
    outcomes = []
    for question in QUESTIONS:
        started = time.perf_counter()
        result, answer, model_text = runner.agent_answer(question, planner)
        outcome = Outcome(question, [e["name"] for e in result.trace], answer, seconds=time.perf_counter() - started)
        for event, text in zip(result.trace, result.results, strict=True):
            if event["ok"] and event["name"] in (CALC, SQL):
                outcome.exact_checks += [v in answer for v in exact_values(event["name"], text)]
        figures = reference_figures(question, db)
        outcome.figures_ok = all(f in answer for f in figures)
        if question.fact:
            outcome.grounded = bool(re.search(question.fact, answer, re.I)) and (cites(answer) or "Sources:" in answer)
            outcome.grounded_by_model = bool(re.search(question.fact, model_text, re.I)) and cites(model_text)
        outcome.replaced = len(result.replaced_plans)
        outcome.planned_steps = len(result.trace) + 1
        outcomes.append(outcome)
        print(
            f"  [{planner}] {question.kind:10s} tools={outcome.tools} exact={outcome.exact_checks.count(True)}/"
            f"{len(outcome.exact_checks)} figures={outcome.figures_ok} grounded={outcome.grounded} "
            f"{outcome.seconds:.1f}s  {question.text[:50]!r}",
            flush=True,
        )
    return outcomes


def pct(hits: int, total: int) -> str:
    return f"{100 * hits / total:.0f}% ({hits}/{total})" if total else "n/a"


def summary(planner: str, outcomes: list[Outcome]) -> dict[str, str]:
    tool_qs = [o for o in outcomes if o.question.tools]
    none_qs = [o for o in outcomes if not o.question.tools]
    exact = [c for o in outcomes for c in o.exact_checks]
    figure_qs = [o for o in outcomes if o.question.figures or o.question.reference_sql]
    knowledge = [o for o in outcomes if o.grounded is not None]
    return {
        "planner": planner,
        "right tool": pct(sum(set(o.tools) == o.question.tools for o in tool_qs), len(tool_qs)),
        "exact result in answer": pct(sum(exact), len(exact)),
        "correct figure in answer": pct(sum(o.figures_ok for o in figure_qs), len(figure_qs)),
        "no tool (no-tool questions)": pct(sum(not o.tools for o in none_qs), len(none_qs)),
        "grounded (knowledge, mixed)": pct(sum(bool(o.grounded) for o in knowledge), len(knowledge)),
        "grounded by the model's own text": pct(sum(bool(o.grounded_by_model) for o in knowledge), len(knowledge)),
        "fact in answer, knowledge only": pct(
            sum(bool(re.search(o.question.fact, o.answer, re.I)) for o in knowledge if o.question.kind == "knowledge"),
            sum(o.question.kind == "knowledge" for o in knowledge),
        ),
        "grounded, knowledge only": pct(
            sum(bool(o.grounded) for o in knowledge if o.question.kind == "knowledge"),
            sum(o.question.kind == "knowledge" for o in knowledge),
        ),
        "model plans replaced": pct(sum(o.replaced for o in outcomes), sum(o.planned_steps for o in outcomes))
        if planner == "llm"
        else "-",
        "seconds per question (median)": f"{statistics.median(o.seconds for o in outcomes):.1f}",
    }


def agent_off(runner: Runner) -> dict[str, str]:
    knowledge = [q for q in QUESTIONS if q.fact and q.kind == "knowledge"]
    grounded = facts = 0
    for question in knowledge:
        answer = runner.agent_off_answer(question)
        fact = bool(re.search(question.fact, answer, re.I))
        facts += fact
        grounded += fact and cites(answer)
        print(f"  [agent off] fact={fact} cites={cites(answer)} {question.text!r}: {answer[:80]!r}", flush=True)
    return {
        "planner": "agent off",
        "fact in answer, knowledge only": pct(facts, len(knowledge)),
        "grounded, knowledge only": pct(grounded, len(knowledge)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=MODEL)
    parser.add_argument("--planners", nargs="+", default=["deterministic", "llm"])
    parser.add_argument("--engine", default="transformers", choices=["transformers", "vllm", "auto"])
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--no-embed", action="store_true", help="route by keywords instead of MiniLM")
    parser.add_argument("--skip-agent-off", action="store_true")
    args = parser.parse_args()
    os.environ["ENGINE"] = args.engine

    import torch

    from app.kernel.registry.registry import ModelRegistry
    from app.kernel.settings import get_settings
    from worker.agent.sql.database import DEMO_SQL, ensure_demo_db
    from worker.engine.engine import Engine
    from worker.engine.store import pull_model

    if args.threads:
        torch.set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="agent-eval-"))
    registry = ModelRegistry()
    pull_model(args.model, registry=registry, models_dir=work / "models")
    engine = Engine(registry, models_dir=work / "models", cache_bytes=2**32)
    embed = None
    if not args.no_embed:
        from worker.rag.embedder import get_embedder

        embed = get_embedder(get_settings().embedding_model).encode
    db_path = ensure_demo_db(work / "demo_sales.db")
    reference = sqlite3.connect(":memory:")
    reference.executescript(DEMO_SQL.read_text())
    runner = Runner(engine, args.model, db_path, embed)
    rows = []
    for planner in args.planners:
        print(f"planner {planner}: {len(QUESTIONS)} questions on {args.model} ({args.engine} engine)", flush=True)
        rows.append(summary(planner, evaluate(runner, planner, reference)))
    if not args.skip_agent_off:
        rows.append(agent_off(runner))
    engine.close()
    print()
    for row in rows:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
