"""A real uvicorn server and a real Celery worker, both in threads of the test process, plus an SSE reader."""

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(app, forwarded_allow_ips: str | None = None) -> Iterator[str]:
    """Serve `app` on a free loopback port; yields its base URL. `forwarded_allow_ips` as uvicorn's flag (None:
    uvicorn's default, which trusts X-Forwarded-For from 127.0.0.1)."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", forwarded_allow_ips=forwarded_allow_ips
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def celery_worker(broker_url: str, queues: list[str], concurrency: int = 4, purge: bool = False) -> Iterator[None]:
    """The production Celery app, consuming `queues` with a thread pool, in this process.

    `purge` first drops tasks earlier tests left in `queues` (a cancelled job's message, say). A worker started
    with a test module would otherwise run them while the next test switches the settings in the environment,
    and could cache that test's half-written settings (CI once ran a job against another test's database)."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import worker_shutdown

    from worker.celery_app import celery_app
    from worker.sandbox import warm

    celery_app.conf.broker_url = broker_url
    # An idle consumer blocks in BRPOP for `polling_interval` (kombu's default: 1 s), and stopping the worker waits
    # for that read: 0.1 s here, so each module's worker stops in ~0.1 s instead of ~1 s.
    celery_app.conf.broker_transport_options = {**celery_app.conf.broker_transport_options, "polling_interval": 0.1}
    if purge:
        with celery_app.connection_for_write() as connection:
            for queue in queues:
                connection.default_channel.queue_purge(queue)
    with start_worker(
        celery_app,
        pool="threads",
        concurrency=concurrency,
        queues=queues,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=10,
    ) as worker:
        # The worker starts the tool sandbox's forkserver in the background when it is ready (worker/celery_app.py);
        # wait for it here, once per session (later calls take milliseconds). Otherwise the module's first tool call
        # waits for the forkserver's imports (numpy, matplotlib: ~1 s, several under load) inside the tool's own
        # deadline: the calculator's 2 s ran out that way ("timed out after 2s") on a loaded machine.
        try:
            warm()
            yield
        finally:
            # The harness ends the worker without `worker_shutdown` (a real worker's stop() sends it), which left
            # the generation worker's ops threads reporting to a Redis the session had already stopped.
            worker_shutdown.send(sender=worker)


@dataclass
class SseEvent:
    event: str
    data: dict
    id: int | None


def iter_sse(response: httpx.Response, comments: list[str] | None = None) -> Iterator[SseEvent]:
    """Parse an SSE body line by line; comment lines (heartbeats) are collected into `comments`."""
    fields: dict[str, str] = {}
    data_lines: list[str] = []
    for line in response.iter_lines():
        if line.startswith(":"):
            if comments is not None:
                comments.append(line)
            continue
        if line == "":
            if data_lines or fields:
                event_id = fields.get("id")
                yield SseEvent(
                    fields.get("event", "message"),
                    json.loads("\n".join(data_lines) or "null"),
                    int(event_id) if event_id else None,
                )
            fields, data_lines = {}, []
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            data_lines.append(value)
        else:
            fields[name] = value
