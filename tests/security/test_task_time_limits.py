"""Every task runs under its kind's time limits; the soft limit interrupts Python code and a sandbox wait."""

import time

import pytest

from app.kernel.contracts import TASK_QUEUES
from app.kernel.settings import get_settings
from tests.security import sandbox_targets as targets
from worker.celery_app import celery_app
from worker.ops.time_limits import TaskTimeLimitExceeded, hard_limit_seconds, soft_time_limit
from worker.sandbox import Limits, stream


def test_every_task_has_a_kind_and_celerys_hard_limit():
    celery_app.loader.import_default_modules()  # registers the tasks of TASK_MODULES, as a worker does
    grace = get_settings().task_time_limit_grace_seconds
    for name in TASK_QUEUES:
        assert celery_app.tasks[name].time_limit == hard_limit_seconds(name)
        assert hard_limit_seconds(name) > grace


def test_soft_limit_interrupts_python_code_with_a_readable_message():
    started = time.perf_counter()
    with pytest.raises(TaskTimeLimitExceeded) as stopped, soft_time_limit(0.3):
        while True:
            pass
    assert str(stopped.value) == "took longer than 0.3 s"
    assert time.perf_counter() - started < 2


def test_soft_limit_reaches_a_thread_waiting_on_the_sandbox_and_the_child_dies():
    started = time.perf_counter()
    with pytest.raises(TaskTimeLimitExceeded), soft_time_limit(0.5):
        list(stream(targets.numbers_slowly, limits=Limits(wall_s=30)))
    assert time.perf_counter() - started < 2


def test_no_exception_after_the_block_ends():
    with soft_time_limit(0.2):
        pass
    time.sleep(0.4)  # an expired timer must not fire into whatever runs next
