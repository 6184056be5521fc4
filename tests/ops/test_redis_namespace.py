"""Two deployments on one Redis server (other database, or the same database with another REDIS_NAMESPACE)
share nothing: job events, replay lists, sequence numbers and Celery queues stay apart even when their message
ids collide. Pub/sub channels ignore the database number, so only the namespace keeps them apart."""

import json
from collections.abc import Callable, Iterator

import pytest
import redis
from sqlalchemy.engine import make_url

from app.core.tasks import create_task_client
from app.kernel import keys
from app.kernel.contracts import EventType, JobKind
from app.kernel.events import EventPublisher
from app.kernel.settings import get_settings
from app.kernel.tasks import GenerateAnswer

Switch = Callable[[str], None]


@pytest.fixture
def deployments(redis_url, redis_client, monkeypatch, request) -> Iterator[tuple[Switch, list[str]]]:
    """`use(name)` makes deployment "a" or "b" the current settings; their URLs and namespaces per parameter."""
    base = make_url(redis_url)
    if request.param == "other_database":
        urls = {"a": base.set(database="0"), "b": base.set(database="9")}
        namespaces = {"a": "", "b": ""}
    else:
        urls = {"a": base.set(database="0"), "b": base.set(database="0")}
        namespaces = {"a": "", "b": "blue"}

    def use(name: str) -> None:
        monkeypatch.setenv("REDIS_URL", urls[name].render_as_string(False))
        monkeypatch.setenv("REDIS_NAMESPACE", namespaces[name])
        get_settings.cache_clear()

    made: list[str] = []
    yield use, made
    for name in ("a", "b"):  # the Celery tasks sent here must not reach a later test's worker
        use(name)
        client = redis.Redis.from_url(get_settings().redis_url)
        client.delete(*made, keys.celery_queue_key("generation"), keys.replay_key(JobKind.MESSAGE, 1))
        client.delete(keys.seq_key(JobKind.MESSAGE, 1))
        client.close()
    monkeypatch.undo()
    get_settings.cache_clear()


def client_of_current() -> redis.Redis:
    return redis.Redis.from_url(get_settings().redis_url, decode_responses=True)


@pytest.mark.parametrize("deployments", ["other_database", "same_database_other_namespace"], indirect=True)
def test_two_deployments_on_one_redis_do_not_mix(deployments):
    use, _made = deployments
    use("b")
    b_client = client_of_current()
    b_channel = keys.channel_name(JobKind.MESSAGE, 1)
    subscriber = b_client.pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(b_channel)
    assert subscriber.get_message(timeout=1) is None  # the subscription is confirmed

    use("a")
    a_client = client_of_current()
    assert keys.channel_name(JobKind.MESSAGE, 1) != b_channel
    assert EventPublisher(a_client, JobKind.MESSAGE, 1).publish(EventType.TOKEN, {"text": "from a"}) == 1
    a_tasks = create_task_client(get_settings().redis_url)
    a_tasks.send_task(GenerateAnswer.task_name, kwargs={"message_id": 1}, queue=GenerateAnswer.queue())

    use("b")
    assert EventPublisher(b_client, JobKind.MESSAGE, 1).publish(EventType.TOKEN, {"text": "from b"}) == 1
    received = []
    while (message := subscriber.get_message(timeout=0.5)) is not None:
        received.append(json.loads(message["data"])["data"]["text"])
    assert received == ["from b"], "a token of the other deployment reached this one's client"
    assert [json.loads(e)["data"]["text"] for e in b_client.lrange(keys.replay_key(JobKind.MESSAGE, 1), 0, -1)] == [
        "from b"
    ]
    assert b_client.llen(keys.celery_queue_key("generation")) == 0, "a's task is not in b's queue"
    assert not b_client.exists("generation"), "Celery's queue list carries the namespace"

    use("a")
    queued = a_client.lrange(keys.celery_queue_key("generation"), 0, -1)
    assert len(queued) == 1 and json.loads(queued[0])["headers"]["task"] == GenerateAnswer.task_name
    assert [json.loads(e)["data"]["text"] for e in a_client.lrange(keys.replay_key(JobKind.MESSAGE, 1), 0, -1)] == [
        "from a"
    ]
    subscriber.close()
    for client in (a_client, b_client):
        client.close()


def test_every_key_and_channel_carries_the_namespace(monkeypatch):
    """Each public name builder of app/kernel/keys.py starts with the namespace."""
    monkeypatch.setenv("REDIS_NAMESPACE", "green")
    get_settings.cache_clear()
    try:
        suffixes = ("_key", "_channel", "_name", "_prefix")
        builders = {
            name: getattr(keys, name)
            for name in dir(keys)
            if not name.startswith("_") and callable(getattr(keys, name)) and name.endswith(suffixes)
        }
        assert len(builders) >= 12, sorted(builders)
        for name, build in builders.items():
            args = {1: ("message",), 2: ("message", 7)}.get(build.__code__.co_argcount, ())
            assert build(*args).startswith("green:"), name
        assert keys.broker_transport_options()["global_keyprefix"] == "green:celery:"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
