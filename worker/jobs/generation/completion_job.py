"""An OpenAI-compatible completion: the request body waits in Redis; tokens go out as job events."""

import json

from loguru import logger

from app.kernel.contracts import EventType, JobKind
from app.kernel.keys import payload_key
from app.kernel.registry.errors import EngineError
from worker.engine.generation import GenerationParams
from worker.jobs.generation.token_events import error_code
from worker.jobs.generation.tool_completion import complete_with_tools
from worker.ops.registry_sync import know_model
from worker.runtime import JobLease, publisher, redis_client


def run_completion_job(job_id: str) -> str:
    client = redis_client()
    raw = client.getdel(payload_key(JobKind.COMPLETION, job_id))
    if raw is None:
        logger.info("completion {} has no payload (expired or already taken)", job_id)
        return "skipped"
    request = json.loads(raw)
    events = publisher(JobKind.COMPLETION, job_id)
    params = GenerationParams(**{k: tuple(v) if k == "stop" else v for k, v in request["params"].items()})
    with JobLease(client, JobKind.COMPLETION, job_id):
        try:
            know_model(request["model"])
            answer = complete_with_tools(
                events,
                request["model"],
                request["messages"],
                params,
                request.get("tools") or [],
                request["tool_choice"],
            )
        except EngineError as exc:
            events.publish(EventType.ERROR, {"code": error_code(exc), "message": str(exc)})
            return "failed"
        except Exception as exc:  # noqa: BLE001 - report, keep the worker alive
            logger.opt(exception=exc).error("completion {} failed", job_id)
            events.publish(EventType.ERROR, {"code": "generation_failed", "message": f"Generation failed: {exc}"})
            return "failed"
    completion = answer.completion
    finish = "tool_calls" if answer.tool_calls else completion.finish_reason if completion else "cancelled"
    usage = {
        "prompt_tokens": completion.prompt_tokens if completion else 0,
        "completion_tokens": completion.completion_tokens if completion else 0,
    }
    calls = {"tool_calls": answer.tool_calls} if answer.tool_calls else {}
    events.publish(EventType.DONE, {"finish_reason": finish, "usage": usage, **calls})
    return "done"
