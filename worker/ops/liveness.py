"""Every worker beats, per queue its consumer takes tasks from, into `workers:queue:<queue>` so the API can tell
a job that waits behind others from one that no worker will ever take (Celery's inspect broadcasts are too slow
to ask on every read). Scores are Redis server time, so clocks of the API and worker hosts never need to agree.

The beat runs on a thread of its own, so it asks the consumer, not the process, whether the worker is alive: a
queue is beaten only while the consumer blueprint runs, holds a broker connection, has not reconnected in the
last `SETTLE_SECONDS` and consumes that queue (`celery control add_consumer` / `cancel_consumer` included). A
queue that stops qualifying is withdrawn within `CHECK_SECONDS`, without waiting for its beat to go stale; the
event loop itself checks as it starts, so a worker counts before it takes its first task."""

import threading
import time
from collections.abc import Callable

import redis
from celery import bootsteps
from celery.bootsteps import RUN
from loguru import logger

from app.kernel.keys import QUEUE_BEAT_SECONDS, QUEUE_BEAT_STALE_SECONDS, queue_workers_key

CHECK_SECONDS = 1.0
SETTLE_SECONDS = QUEUE_BEAT_SECONDS
"""A consumer that reconnected counts again once it stayed connected this long; one whose connection keeps
breaking (restarting at least every second or so, Celery's own restart throttle) never does."""
BEAT_CLIENT_NAME = "localmind-queue-beat"
"""The beat's Redis connection, as `CLIENT LIST` names it (apart from the consumer's broker connections)."""

# KEYS: the queues beaten, then the queues withdrawn; ARGV: hostname, stale seconds, how many KEYS are beaten.
# Members that stopped beating are dropped on the way.
_BEAT = """
local now = tonumber(redis.call('TIME')[1])
for i, key in ipairs(KEYS) do
  if i <= tonumber(ARGV[3]) then
    redis.call('ZADD', key, now, ARGV[1])
  else
    redis.call('ZREM', key, ARGV[1])
  end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - tonumber(ARGV[2]))
end
"""


class ConsumerProbe:
    """The queues a worker's consumer takes tasks from right now. Called from the beat thread, so it only reads
    attributes the consumer's thread replaces whole (no locks, no I/O on the Redis transport)."""

    def __init__(self, worker):
        self._worker = worker
        self._restarts = 0  # Consumer.restart_count once it first connected
        self._restarted_at = float("-inf")

    def __call__(self) -> set[str]:
        consumer = getattr(self._worker, "consumer", None)  # set by the Consumer step, created after this one
        if consumer is None or not self._settled(consumer.restart_count):
            return set()
        connection, task_consumer = consumer.connection, consumer.task_consumer
        if consumer.blueprint.state != RUN or connection is None or not connection.connected or task_consumer is None:
            return set()
        return {queue.name for queue in task_consumer.queues if task_consumer.consuming_from(queue)}

    def _settled(self, restarts: int) -> bool:
        now = time.monotonic()
        if restarts > self._restarts:  # -1 until the first connection, which is no reconnect
            self._restarts, self._restarted_at = restarts, now
        return now - self._restarted_at >= SETTLE_SECONDS


class QueueBeat:
    """A daemon thread beating for `hostname` on the queues `consuming()` names, until `stop()`, which withdraws
    it at once. A changed set of queues is sent at once, an unchanged one every `QUEUE_BEAT_SECONDS`."""

    def __init__(self, client: redis.Redis, hostname: str, consuming: Callable[[], set[str]]):
        self._client = client
        self._hostname = hostname
        self._consuming = consuming
        self._script = client.register_script(_BEAT)
        self._beaten: set[str] = set()  # what Redis holds for us, as of the last beat that succeeded
        self._sent_at = float("-inf")
        self._failing = False
        self._lock = threading.Lock()  # the event loop's check and the thread's
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ops-queue-beat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        try:
            with self._lock:
                self._send(set())
        except redis.RedisError:
            pass  # the beat goes stale on its own

    def check(self) -> None:
        """Beat or withdraw now if the consumed queues changed (or a beat is due); from any thread."""
        with self._lock:
            self._tick()

    def _run(self) -> None:
        while True:
            self.check()
            if self._stop.wait(CHECK_SECONDS):
                return

    def _tick(self) -> None:
        queues = self._consuming()
        changed = queues != self._beaten and not self._failing  # after a failure, retry at the beat's pace
        if not changed and time.monotonic() - self._sent_at < QUEUE_BEAT_SECONDS:
            return
        self._sent_at = time.monotonic()
        try:
            self._send(queues)
            self._failing = False
        except redis.RedisError as exc:
            self._failing = True
            logger.warning("queue beat failed: {}", exc)

    def _send(self, queues: set[str]) -> None:
        beat, withdrawn = sorted(queues), sorted(self._beaten - queues)
        keys = [queue_workers_key(queue) for queue in beat + withdrawn]
        if keys:
            self._script(keys=keys, args=[self._hostname, QUEUE_BEAT_STALE_SECONDS, len(beat)])
        self._beaten = queues


class QueueBeatStep(bootsteps.StartStopStep):
    """The worker bootstep that runs a `QueueBeat`: warm and cold shutdowns both withdraw it (the
    `worker_shutdown` signal misses cold ones, which is how embedded workers stop)."""

    requires = ("celery.worker.components:Pool",)  # start after a prefork pool forked: no thread crosses a fork

    def create(self, worker) -> QueueBeat:
        client = redis.Redis.from_url(
            worker.app.conf.broker_url, socket_connect_timeout=3, socket_timeout=3, client_name=BEAT_CLIENT_NAME
        )
        return QueueBeat(client, worker.hostname, ConsumerProbe(worker))

    def register_with_event_loop(self, worker, hub) -> None:
        """Called as the consumer's event loop (re)starts: check in its first turn, after it began consuming and
        before it takes a task, so no job a worker already takes is told that no worker runs."""
        hub.call_soon(self._check_in_loop)

    def _check_in_loop(self) -> None:
        try:
            self.obj.check()
        except Exception:  # noqa: BLE001 - an error here would stop the consumer, not just the beat
            logger.exception("queue beat check failed")
