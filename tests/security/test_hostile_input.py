"""Issue 18, items 1-2: hostile calculator expressions and documents end as clear errors, quickly, and never
stall the worker's other threads. The end-to-end version (another user's answer keeps streaming) is in
tests/security/test_hostile_live.py."""

import time

import pytest

from app.kernel.documents import DocumentError
from tests.security import hostile_files
from tests.security.test_sandbox import heartbeat
from worker.agent.runner import execute
from worker.agent.tools import all_tools
from worker.agent.tools.base import ToolEnv
from worker.rag.loaders import load
from worker.sandbox import Limits, warm

CALCULATOR = all_tools()["calculator"]


@pytest.fixture(scope="module", autouse=True)
def _warm_sandbox():
    warm()  # what the worker does when it starts (worker/celery_app.py)


@pytest.mark.parametrize(
    "expression",
    ["round(1, -5*10**6)", "round(1, -10**7)", "10**10**10", "factorial(10**6)", "factorial(450) ** 30", "9**9**9"],
)
def test_hostile_expressions_end_as_tool_errors_without_stalling_the_worker(expression):
    started = time.perf_counter()
    with heartbeat() as gaps:
        run = execute(CALCULATOR, {"expression": expression}, ToolEnv())
    assert time.perf_counter() - started < CALCULATOR.timeout_s
    assert run.event["ok"] is False and run.event["error"].startswith("refused:"), run.event
    assert max(gaps, default=0) < 0.5, f"a worker thread stalled for {max(gaps):.2f} s"


def test_calculator_still_answers():
    run = execute(CALCULATOR, {"expression": "round(2/3, 3) + 17 * 23"}, ToolEnv())
    assert run.event["ok"] and run.output.text.endswith("= 391.667")


def _load_all(path, name, limits=None):
    document = load(path, name, limits)
    return document, list(document.sections)


def test_docx_with_thousands_of_styles_parses_in_linear_time(tmp_path):
    path = tmp_path / "styles.docx"
    path.write_bytes(hostile_files.many_styles_docx(paragraphs=1000, styles=3000))
    started = time.perf_counter()
    _, sections = _load_all(path, "styles.docx")
    elapsed = time.perf_counter() - started
    assert [s.heading for s in sections] == ["Guide"] and sections[0].text.startswith("p0\np1")
    assert elapsed < 3, f"{elapsed:.1f} s (python-docx's per-paragraph style lookup took 5.8 s on the same file)"


def test_stored_padding_does_not_hide_a_zip_bomb(tmp_path):
    path = tmp_path / "padded.docx"
    path.write_bytes(hostile_files.padded_zip_bomb_docx())
    assert path.stat().st_size < 512 * 1024
    with pytest.raises(DocumentError) as refused:
        load(path, "padded.docx")
    assert refused.value.code == "zip_bomb" and "zip bomb" in refused.value.message


def test_pdf_whose_stream_inflates_hugely_is_refused_before_parsing(tmp_path):
    path = tmp_path / "bomb.pdf"
    path.write_bytes(hostile_files.inflating_pdf(300))
    assert path.stat().st_size < 1024 * 1024
    started = time.perf_counter()
    with pytest.raises(DocumentError) as refused:
        load(path, "bomb.pdf")
    assert refused.value.code == "pdf_bomb", refused.value.message
    assert time.perf_counter() - started < 10


def test_parser_limits_end_as_readable_document_errors(tmp_path):
    path = tmp_path / "long.html"
    path.write_bytes(hostile_files.many_paragraphs_html())
    with heartbeat() as gaps, pytest.raises(DocumentError) as stopped:
        _load_all(path, "long.html", Limits(wall_s=1, cpu_s=5, processes=None))
    assert stopped.value.code == "parse_limit"
    assert stopped.value.message == "Parsing long.html stopped: it took longer than 1 s."
    with pytest.raises(DocumentError, match=r"it used more than \d+ MiB of memory"):
        _load_all(path, "long.html", Limits(wall_s=30, memory_mib=210, processes=None))
    assert max(gaps) < 0.5
