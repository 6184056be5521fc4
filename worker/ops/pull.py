"""A model pull job: materialize a registry entry into the model store, publishing `progress` events."""

from loguru import logger

from app.kernel.contracts import EventType, JobKind
from app.kernel.registry.errors import EngineError
from worker.engine.store import pull_model
from worker.ops.registry_sync import know_model
from worker.runtime import publisher


def run_pull(job_id: str, model_id: str) -> str:
    events = publisher(JobKind.PULL, job_id)
    events.publish(EventType.STATUS, {"state": "running", "model_id": model_id})

    def progress(stage: str, fraction: float) -> None:
        events.publish(EventType.PROGRESS, {"stage": stage, "fraction": round(fraction, 4)})

    try:
        know_model(model_id)
        path = pull_model(model_id, progress)
    except EngineError as exc:
        events.publish(EventType.ERROR, {"code": "pull_failed", "message": str(exc)})
        return "failed"
    except Exception as exc:  # noqa: BLE001 - the client must hear why, the worker must survive
        logger.opt(exception=exc).error("pull of {} failed", model_id)
        events.publish(EventType.ERROR, {"code": "pull_failed", "message": f"Pull failed: {exc}"})
        return "failed"
    events.publish(EventType.DONE, {"model_id": model_id, "path": str(path)})
    return "done"
