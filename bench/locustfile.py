"""Load test: users sign up and log in, list conversations, stream answers over SSE, upload a document.

One command deploys with ./start_all.sh (private ports and state), runs this headless, reports, stops:
`.venv/bin/python -m bench.load` (bench/load.py; figures in RELIABILITY.md). Against a running deployment:

    .venv/bin/locust -f bench/locustfile.py --headless -u 200 -r 20 -t 2m --host http://127.0.0.1:8000 \\
        --json-file test-artifacts/locust --only-summary

Custom entries in the statistics: `SSE ttft` (time to the first token event) and `SSE answer` (time to `done`).
Knobs (environment): LOCUST_MAX_NEW_TOKENS (default 16), LOCUST_MODEL (default: the server's default model),
LOCUST_ACCOUNTS_FILE (a JSON list of {"access_token": ...}: users take these instead of signing up and logging
in, so the run measures the other endpoints without the argon2-bound sign-up burst).
"""

import itertools
import json
import os
import time
import uuid
from pathlib import Path

from locust import HttpUser, between, events, task

PASSWORD = "load-test-Passw0rd!"
MAX_NEW_TOKENS = int(os.environ.get("LOCUST_MAX_NEW_TOKENS", "16"))
MODEL = os.environ.get("LOCUST_MODEL") or None
ACCOUNTS_FILE = os.environ.get("LOCUST_ACCOUNTS_FILE")
ACCOUNTS = itertools.cycle(json.loads(Path(ACCOUNTS_FILE).read_text())) if ACCOUNTS_FILE else None
ANSWER_TIMEOUT_S = 120


def _fire(name: str, started: float, length: int = 0, exception: Exception | None = None) -> None:
    events.request.fire(
        request_type="SSE",
        name=name,
        response_time=(time.perf_counter() - started) * 1000,
        response_length=length,
        exception=exception,
        context={},
    )


class ChatUser(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.conversation_id = None
        self.kb_id = None
        if ACCOUNTS is not None:
            self.headers = {"Authorization": f"Bearer {next(ACCOUNTS)['access_token']}"}
            return
        self.username = f"load{uuid.uuid4().hex[:12]}"
        body = {"username": self.username, "email": f"{self.username}@example.com", "password": PASSWORD}
        self.client.post("/api/v1/auth/register", json=body, name="/auth/register")
        response = self.client.post(
            "/api/v1/auth/login", data={"username": self.username, "password": PASSWORD}, name="/auth/login"
        )
        self.headers = {"Authorization": f"Bearer {response.json()['access_token']}"} if response.ok else {}

    @task(5)
    def list_conversations(self) -> None:
        self.client.get("/api/v1/conversations?limit=20", headers=self.headers, name="/conversations")

    @task(3)
    def stream_answer(self) -> None:
        if self.conversation_id is None:
            body = {"title": "load test", **({"model": MODEL} if MODEL else {})}
            response = self.client.post("/api/v1/conversations", json=body, headers=self.headers,
                                        name="/conversations [create]")  # fmt: skip
            if not response.ok:
                return
            self.conversation_id = response.json()["id"]
        body = {"content": f"Question {uuid.uuid4().hex[:6]}: what is LocalMind?",
                "params": {"max_new_tokens": MAX_NEW_TOKENS}}  # fmt: skip
        started = time.perf_counter()
        first_token = None
        length = 0
        with self.client.post(
            f"/api/v1/conversations/{self.conversation_id}/messages",
            json=body,
            headers=self.headers,
            stream=True,
            catch_response=True,
            timeout=ANSWER_TIMEOUT_S,
            name="/conversations/{id}/messages [SSE open]",
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            response.success()
            event = None
            try:
                for raw in response.iter_lines(decode_unicode=True):
                    length += len(raw or "")
                    if raw and raw.startswith("event:"):
                        event = raw.split(":", 1)[1].strip()
                        if event == "token" and first_token is None:
                            first_token = time.perf_counter()
                            _fire("SSE ttft", started)
                        if event in ("done", "error"):
                            break
            except Exception as exc:  # noqa: BLE001 - a broken stream is a failure, not a crash of the user
                _fire("SSE answer", started, length, exc)
                return
            failure = None if event == "done" else RuntimeError(f"stream ended with {event!r}")
            _fire("SSE answer", started, length, failure)

    @task(1)
    def upload_document(self) -> None:
        if self.kb_id is None:
            response = self.client.post("/api/v1/knowledge-bases", json={"name": f"kb-{uuid.uuid4().hex[:8]}"},
                                        headers=self.headers, name="/knowledge-bases [create]")  # fmt: skip
            if not response.ok:
                return
            self.kb_id = response.json()["id"]
        text = f"Load test note {uuid.uuid4()}. LocalMind indexes documents on workers.\n".encode()
        self.client.post(
            f"/api/v1/knowledge-bases/{self.kb_id}/documents",
            files=[("files", (f"note-{uuid.uuid4().hex[:6]}.txt", text, "text/plain"))],
            headers=self.headers,
            name="/knowledge-bases/{id}/documents [upload]",
        )
