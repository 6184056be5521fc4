"""The payload of every Celery task, typed: the API builds one and sends it by name (app/core/tasks.py), the
worker's task validates it back (worker/tasks). Tasks carry ids, never objects: the worker re-reads the rest.

Row-less jobs (`/v1` completions and embeddings, knowledge search) park their request body in Redis
(`keys.payload_key`) and send only the job id.
"""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from app.kernel.contracts import (
    TASK_COMPLETION,
    TASK_DELETE_DOCUMENT,
    TASK_EMBED,
    TASK_FINETUNE,
    TASK_GENERATE,
    TASK_HEALTH,
    TASK_INDEX_DOCUMENT,
    TASK_MERGE_ADAPTER,
    TASK_PULL_MODEL,
    TASK_QUEUES,
    TASK_SEARCH,
)


class TaskPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    task_name: ClassVar[str]
    request_id: str = "-"
    """The API request that sent the task: the worker's log lines for the job carry it (`dispatch` fills it)."""

    @classmethod
    def queue(cls) -> str:
        return TASK_QUEUES[cls.task_name]


class HealthCheck(TaskPayload):
    task_name = TASK_HEALTH


class GenerateAnswer(TaskPayload):
    """Answer the pending assistant message `message_id` (chat, regenerate)."""

    task_name = TASK_GENERATE
    message_id: int


class RowlessJob(TaskPayload):
    """A job whose request body waits in Redis under `payload_key(kind, job_id)`."""

    job_id: str


class Completion(RowlessJob):
    task_name = TASK_COMPLETION


class Embed(RowlessJob):
    task_name = TASK_EMBED


class Search(RowlessJob):
    task_name = TASK_SEARCH


class IndexDocument(TaskPayload):
    task_name = TASK_INDEX_DOCUMENT
    document_id: int


class DeleteDocument(TaskPayload):
    """Drop a document's chunks, or a whole knowledge base's index when `document_id` is None."""

    task_name = TASK_DELETE_DOCUMENT
    knowledge_base_id: int
    document_id: int | None = None


class PullModel(TaskPayload):
    task_name = TASK_PULL_MODEL
    job_id: str
    model_id: str


class Finetune(TaskPayload):
    task_name = TASK_FINETUNE
    job_id: int


class MergeAdapter(TaskPayload):
    task_name = TASK_MERGE_ADAPTER
    job_id: int


PAYLOADS: dict[str, type[TaskPayload]] = {
    payload.task_name: payload
    for payload in (
        HealthCheck,
        GenerateAnswer,
        Completion,
        Embed,
        Search,
        IndexDocument,
        DeleteDocument,
        PullModel,
        Finetune,
        MergeAdapter,
    )
}
"""Every task name the workers serve, with its payload type (a test checks both sides agree)."""
