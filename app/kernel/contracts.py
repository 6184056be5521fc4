"""What the API process and the workers share: queues, task names, job kinds, event types (Redis names: keys.py).

Tasks carry ids, never objects; the worker re-reads what it needs from the database.
Every long job publishes JSON events ``{"seq", "type", "ts", "data"}`` (in that order) on ``events:{kind}:{id}``
and appends them to a replay list so a client reconnecting with ``Last-Event-ID`` loses nothing.
"""

from enum import StrEnum

QUEUE_GENERATION = "generation"
QUEUE_INDEXING = "indexing"
QUEUE_TRAINING = "training"
QUEUE_RETRIEVAL = "retrieval"
"""Search and /v1/embeddings: a lane of their own so that they never wait behind indexing."""
QUEUES = (QUEUE_GENERATION, QUEUE_INDEXING, QUEUE_TRAINING, QUEUE_RETRIEVAL)

TASK_HEALTH = "system.health"
TASK_GENERATE = "generation.generate"
TASK_COMPLETION = "generation.completion"
TASK_EMBED = "retrieval.embed"
TASK_SEARCH = "retrieval.search"
TASK_PULL_MODEL = "generation.pull_model"
TASK_INDEX_DOCUMENT = "indexing.index_document"
TASK_DELETE_DOCUMENT = "indexing.delete_document"
TASK_FINETUNE = "training.finetune"
TASK_MERGE_ADAPTER = "training.merge_adapter"

TASK_QUEUES = {
    TASK_HEALTH: QUEUE_GENERATION,
    TASK_GENERATE: QUEUE_GENERATION,
    TASK_COMPLETION: QUEUE_GENERATION,
    TASK_EMBED: QUEUE_RETRIEVAL,
    TASK_SEARCH: QUEUE_RETRIEVAL,
    TASK_PULL_MODEL: QUEUE_GENERATION,
    TASK_INDEX_DOCUMENT: QUEUE_INDEXING,
    TASK_DELETE_DOCUMENT: QUEUE_INDEXING,
    TASK_FINETUNE: QUEUE_TRAINING,
    TASK_MERGE_ADAPTER: QUEUE_TRAINING,
}


class EventType(StrEnum):
    STATUS = "status"
    TOKEN = "token"
    CITATIONS = "citations"
    TOOL = "tool"
    PROGRESS = "progress"
    DONE = "done"
    ERROR = "error"


TERMINAL_EVENTS = frozenset({EventType.DONE, EventType.ERROR})


class JobKind(StrEnum):
    MESSAGE = "message"
    COMPLETION = "completion"
    EMBEDDING = "embedding"
    SEARCH = "search"
    DOCUMENT = "document"
    FINETUNE = "finetune"
    MERGE = "merge"
    PULL = "pull"
