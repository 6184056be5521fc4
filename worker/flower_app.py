"""The Celery app Flower loads (`celery -A worker.flower_app flower`): the broker, key prefix and queues of
worker.celery_app without its task modules. Those import torch: Flower on worker.celery_app used ~560 MB,
more than its 512Mi limit; Flower learns task names from the workers' events, so it needs none of them."""

from celery import Celery
from kombu import Queue

from app.kernel.contracts import QUEUES
from app.kernel.keys import broker_transport_options
from app.kernel.logs import configure_process_logging
from app.kernel.settings import get_settings

configure_process_logging("flower", get_settings().log_level, get_settings().log_format)
app = Celery("localmind", broker=get_settings().redis_url)
app.conf.update(
    task_queues=[Queue(name) for name in QUEUES],
    broker_transport_options=broker_transport_options(),
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
