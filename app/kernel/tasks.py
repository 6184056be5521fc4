"""The payload of every Celery task, typed: the API builds one and sends it by name (app/core/tasks.py), the
worker's task validates it back (worker/tasks). Tasks carry ids, never objects: the worker re-reads the rest.

Row-less jobs (`/v1` completions and embeddings, knowledge search) park their request body in Redis
(`keys.payload_key`) and send only the job id.
"""

from typing import Any, ClassVar

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
    """A task's typed keyword arguments; a concrete payload names its task: `class X(TaskPayload, task=TASK_...)`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    task_name: ClassVar[str]
    request_id: str = "-"
    """The API request that sent the task: the worker's log lines for the job carry it (`dispatch` fills it)."""

    def __init_subclass__(cls, task: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if task is not None:
            cls.task_name = task

    @classmethod
    def queue(cls) -> str:
        return TASK_QUEUES[cls.task_name]


class HealthCheck(TaskPayload, task=TASK_HEALTH):
    """A round trip through a worker's queue."""


class GenerateAnswer(TaskPayload, task=TASK_GENERATE):
    """Answer the pending assistant message `message_id` (chat, regenerate)."""

    message_id: int


class RowlessJob(TaskPayload):
    """A job whose request body waits in Redis under `payload_key(kind, job_id)`."""

    job_id: str


class Completion(RowlessJob, task=TASK_COMPLETION):
    """A `/v1` chat or text completion."""


class Embed(RowlessJob, task=TASK_EMBED):
    """`/v1/embeddings`."""


class Search(RowlessJob, task=TASK_SEARCH):
    """A knowledge-base search."""


class IndexDocument(TaskPayload, task=TASK_INDEX_DOCUMENT):
    document_id: int


class DeleteDocument(TaskPayload, task=TASK_DELETE_DOCUMENT):
    """Drop a document's chunks, or a whole knowledge base's index when `document_id` is None."""

    knowledge_base_id: int
    document_id: int | None = None


class PullModel(TaskPayload, task=TASK_PULL_MODEL):
    job_id: str
    model_id: str


class FinetuneJobTask(TaskPayload):
    """A task on the fine-tune job `job_id` (its row holds the rest)."""

    job_id: int


class Finetune(FinetuneJobTask, task=TASK_FINETUNE):
    """Train the job's adapter."""


class MergeAdapter(FinetuneJobTask, task=TASK_MERGE_ADAPTER):
    """Merge the job's adapter into its base model."""


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
