"""The generation worker's operations threads: a control listener and a status reporter.

Admins' load/unload requests reach *every* generation worker through the Redis pub/sub channel
`models:control:db<n>` (a Celery task on the queue would reach only one worker, and Celery remote-control
commands run on the consumer thread, which a minutes-long load would block). Each command runs on its
own thread so an unload is not stuck behind a load; the reporter rewrites `workers:models:<hostname>`
every few seconds and right after each command.
"""

import json
import threading
import time
import uuid

import redis
from loguru import logger

from app.kernel.keys import CONTROL_ACTIONS, REPORT_INTERVAL_SECONDS, control_channel
from worker.engine.engine import get_engine
from worker.ops import metrics
from worker.ops.registry_sync import sync_registry
from worker.ops.report import build_report, publish_report, withdraw_report

RETRY_SECONDS = 2.0


class WorkerOps:
    def __init__(self, client: redis.Redis, hostname: str):
        self.client = client
        self.hostname = hostname
        self.last_error: dict | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._stop_channel = f"{control_channel()}:stop:{uuid.uuid4().hex}"  # this instance's, see stop()
        self._threads = [
            threading.Thread(target=self._listen, name="ops-control", daemon=True),
            threading.Thread(target=self._report_loop, name="ops-report", daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        try:  # the listener leaves its 1 s wait for a control message now, and a worker stops 1 s sooner
            self.client.publish(self._stop_channel, "stop")
        except redis.RedisError:
            pass
        for thread in self._threads:
            thread.join(timeout=5)
        try:
            withdraw_report(self.client, self.hostname)
        except redis.RedisError:
            pass

    def handle(self, command: dict) -> None:
        """Run one control command (synchronously; the listener calls this on a thread of its own)."""
        action, model_id = command.get("action"), command.get("model_id")
        try:
            if action == "sync":
                sync_registry()
            elif action == "load":
                self._load(model_id)
            elif action == "unload":
                get_engine().unload(model_id)
            self.last_error = None
        except Exception as exc:  # noqa: BLE001 - reported to the API instead of killing the thread
            logger.warning("model {} of {} failed: {}", action, model_id, exc)
            self.last_error = {"action": action, "model_id": model_id, "message": str(exc), "ts": time.time()}
        finally:
            self._wake.set()

    def _load(self, model_id: str) -> None:
        engine = get_engine()
        base_id = model_id.partition("+")[0]
        already = any(info.model_id == base_id for info in engine.loaded_models())
        started = time.perf_counter()
        engine.load(model_id)
        if not already:
            metrics.record_model_load(base_id, time.perf_counter() - started)

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                pubsub = self.client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(control_channel(), self._stop_channel)
                try:
                    while not self._stop.is_set():
                        message = pubsub.get_message(timeout=1.0)
                        if message is not None and not self._stop.is_set():
                            self._dispatch(message["data"])
                finally:
                    pubsub.close()
            except redis.RedisError as exc:
                logger.warning("control channel unavailable ({}); retrying", exc)
                self._stop.wait(RETRY_SECONDS)

    def _dispatch(self, raw: str) -> None:
        try:
            command = json.loads(raw)
        except ValueError:
            logger.warning("ignoring malformed control message {!r}", raw)
            return
        if command.get("action") not in CONTROL_ACTIONS:
            logger.warning("ignoring unknown control action {!r}", command.get("action"))
            return
        threading.Thread(target=self.handle, args=(command,), name="ops-command", daemon=True).start()

    def _report_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                infos = get_engine().loaded_models()
                metrics.update_loaded(infos)
                report = build_report(infos)
                if self.last_error is not None:
                    report["last_error"] = json.dumps(self.last_error)
                publish_report(self.client, self.hostname, report)
            except Exception as exc:  # noqa: BLE001 - keep reporting through transient failures
                logger.warning("worker status report failed: {}", exc)
            self._wake.wait(REPORT_INTERVAL_SECONDS)
