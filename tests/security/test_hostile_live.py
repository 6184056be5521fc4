"""Issue 18 end to end on the real stack (uvicorn + Celery worker on `generation` and `indexing` + Redis, all in
this process, so a GIL held anywhere would stall everything): while one user's hostile calculator expression,
Python snippet and documents are handled, another user's answer keeps streaming, its token gaps within 1 s of
their usual size, and each attack ends as a clear tool error or a failed document with a readable reason. A
task that outlives its kind's time limit ends failed too."""

import threading
import time

import httpx
import pytest

from tests.conftest import make_settings
from tests.faults.conftest import LONG_PARAMS, build_slow_model
from tests.security import hostile_files
from tests.support.live import iter_sse, live_server
from tests.support.tiny_model import register_tiny_model
from worker.sandbox import warm

SLOW_MODEL = "hostile-slow"
PARSE_TIMEOUT_SECONDS = 3


@pytest.fixture(scope="module")
def base_url(redis_url, indexing_worker, tmp_path_factory):
    from app.kernel.registry.registry import get_registry
    from app.kernel.settings import get_settings
    from app.main import create_app

    store = tmp_path_factory.mktemp("model_store")
    model_dir = build_slow_model(tmp_path_factory.mktemp("models") / SLOW_MODEL)
    settings = make_settings(
        f"sqlite+aiosqlite:///{store / 'localmind.db'}", redis_url, store, default_model=SLOW_MODEL
    )
    with pytest.MonkeyPatch.context() as patch:
        for name in ("database_url", "redis_url", "model_store_dir", "secret_key", "default_model"):
            patch.setenv(name.upper(), str(getattr(settings, name)))
        patch.setenv("PARSE_TIMEOUT_SECONDS", str(PARSE_TIMEOUT_SECONDS))
        get_settings.cache_clear()
        register_tiny_model(get_registry(), SLOW_MODEL, model_dir, trust_remote_code=True)
        warm()  # a started worker does this itself (worker/celery_app.py); the in-process test worker does not
        with live_server(create_app(settings)) as url:
            yield url
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def http(base_url):
    with httpx.Client(base_url=base_url, timeout=120) as client:
        yield client


def _sign_up(http: httpx.Client, username: str) -> dict[str, str]:
    from tests.helpers import PASSWORD

    body = {"username": username, "email": f"{username}@x.io", "password": PASSWORD}
    assert http.post("/api/v1/auth/register", json=body).status_code == 201
    tokens = http.post("/api/v1/auth/login", data={"username": username, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _conversation(http: httpx.Client, headers: dict, **body) -> int:
    response = http.post("/api/v1/conversations", json={"title": "t", **body}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


class Listener(threading.Thread):
    """Streams one long answer and records when each token arrived."""

    def __init__(self, base_url: str, headers: dict, conversation_id: int):
        super().__init__(daemon=True)
        self.url = f"{base_url}/api/v1/conversations/{conversation_id}/messages"
        self.headers = headers
        self.arrivals: list[float] = []
        self.last_event = ""
        self.answer_id: int | None = None

    def run(self) -> None:
        body = {"content": "Tell me a long story", "params": LONG_PARAMS}
        with httpx.Client(timeout=120) as client, client.stream("POST", self.url, json=body, headers=self.headers) as r:
            for event in iter_sse(r):
                if self.answer_id is None and isinstance(event.data, dict):
                    self.answer_id = event.data.get("assistant_message_id")
                if event.event == "token":
                    self.arrivals.append(time.perf_counter())
                self.last_event = event.event

    def gaps(self, start: float, end: float) -> list[float]:
        times = [t for t in self.arrivals if start <= t <= end]
        return [b - a for a, b in zip(times, times[1:], strict=False)]


def _wait_final(http: httpx.Client, headers: dict, document_id: int, timeout: float = 60) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        document = http.get(f"/api/v1/documents/{document_id}", headers=headers).json()
        if document["status"] in ("indexed", "failed"):
            return document
        time.sleep(0.2)
    raise AssertionError(f"document {document_id} still {document['status']} after {timeout} s")


def _tool_event(http: httpx.Client, headers: dict, question: str) -> dict:
    """Ask in a new agent conversation; the tool event. (The answer itself may end `error`: the tiny model's
    256-token context does not always fit the agent prompt.)"""
    conversation = _conversation(http, headers, planner="deterministic")
    body = {"content": question, "params": {"max_new_tokens": 4}}
    with http.stream("POST", f"/api/v1/conversations/{conversation}/messages", json=body, headers=headers) as r:
        events = list(iter_sse(r))
    assert events[-1].event in ("done", "error")
    return next(e for e in events if e.event == "tool").data


def test_another_users_answer_keeps_streaming_while_hostile_input_is_handled(http, base_url):
    victim, attacker = _sign_up(http, "victim"), _sign_up(http, "attacker")
    listener = Listener(base_url, victim, _conversation(http, victim))
    listener.start()
    deadline = time.time() + 60
    while len(listener.arrivals) < 25:
        assert time.time() < deadline and listener.is_alive(), "the victim's answer never started streaming"
        time.sleep(0.05)
    attack_started = time.perf_counter()

    tool = _tool_event(http, attacker, "What is round(1, -5*10**6)?")
    assert tool["name"] == "calculator" and not tool["ok"] and tool["error"].startswith("refused:"), tool
    assert tool["duration_ms"] < 2000
    # No digits: the deterministic router tries the calculator before the python tool
    tool = _tool_event(http, attacker, "```python\nx = bytearray(len('aaaaaaaaaa') ** len('aaaaaaaaaa'))\n```")
    assert (tool["name"], tool.get("error")) == ("python", "stopped: the code used more than 512 MiB of memory"), tool

    kb = http.post("/api/v1/knowledge-bases", json={"name": "bombs"}, headers=attacker).json()["id"]
    files = {
        "padded.docx": hostile_files.padded_zip_bomb_docx(),
        "inflating.pdf": hostile_files.inflating_pdf(300),
        "long.html": hostile_files.many_paragraphs_html(),
    }
    upload = [("files", (name, data, "application/octet-stream")) for name, data in files.items()]
    response = http.post(f"/api/v1/knowledge-bases/{kb}/documents", files=upload, headers=attacker)
    assert response.status_code == 201, response.text
    outcome = {d["filename"]: _wait_final(http, attacker, d["id"]) for d in response.json()}
    attack_ended = time.perf_counter()

    assert outcome["padded.docx"]["status"] == "failed" and "zip bomb" in outcome["padded.docx"]["error"]
    assert outcome["inflating.pdf"]["status"] == "failed" and "expand to more than" in outcome["inflating.pdf"]["error"]
    assert outcome["long.html"] == {**outcome["long.html"], "status": "failed"}
    assert outcome["long.html"]["error"] == f"Parsing long.html stopped: it took longer than {PARSE_TIMEOUT_SECONDS} s."

    assert listener.is_alive(), "the victim's answer ended before the attack did"
    http.post(f"/api/v1/messages/{listener.answer_id}/stop", headers=victim)  # the rest would only cost time
    listener.join(60)
    assert listener.last_event == "done"
    usual = listener.gaps(0, attack_started)[3:]  # the first tokens include the prompt's prefill
    during = listener.gaps(attack_started, attack_ended)
    assert len(during) >= 20, f"the victim's answer ended before the attack did ({len(during)} tokens overlapped)"
    assert max(during) <= max(usual) + 1.0, f"token gap {max(during):.2f} s in the attack, {max(usual):.2f} s before"


def test_an_indexing_task_past_its_time_limit_fails_with_the_reason(http, monkeypatch):
    from app.kernel.settings import get_settings

    monkeypatch.setenv("PARSE_TIMEOUT_SECONDS", "60")
    monkeypatch.setenv("TASK_TIME_LIMIT_INDEXING_SECONDS", "1")
    get_settings.cache_clear()
    try:
        user = _sign_up(http, "patient")
        kb = http.post("/api/v1/knowledge-bases", json={"name": "slow"}, headers=user).json()["id"]
        upload = [("files", ("long.html", hostile_files.many_paragraphs_html(), "text/html"))]
        response = http.post(f"/api/v1/knowledge-bases/{kb}/documents", files=upload, headers=user)
        assert response.status_code == 201, response.text
        started = time.perf_counter()
        document = _wait_final(http, user, response.json()[0]["id"])
        assert time.perf_counter() - started < 15
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert document["status"] == "failed"
    assert document["error"] == "Indexing long.html stopped: it took longer than 1 s."
