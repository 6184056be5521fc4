"""How each task is acknowledged, and that Flower's Celery app stays small."""

import subprocess
import sys

from app.kernel.contracts import QUEUE_TRAINING, TASK_QUEUES
from worker.celery_app import celery_app


def test_training_tasks_are_acked_on_receipt_and_the_rest_late():
    """A fine-tune outlives the visibility timeout: acked late it would be delivered again (and KEDA would start
    a second GPU pod); the other tasks stay acked late so a dead worker's job is delivered again."""
    celery_app.loader.import_default_modules()
    for name, queue in TASK_QUEUES.items():
        task = celery_app.tasks[name]
        training = queue == QUEUE_TRAINING
        assert task.acks_late is not training, name
        assert task.reject_on_worker_lost is not training, name


def test_flower_app_never_imports_torch():
    code = (
        "import sys; import worker.flower_app as m; m.app.loader.import_default_modules(); "
        "assert 'torch' not in sys.modules and 'worker.engine' not in sys.modules, 'torch imported'; "
        "print(m.app.conf.broker_transport_options['global_keyprefix'])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(":celery:")
