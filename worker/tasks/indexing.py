"""Celery tasks of this area; the domain logic lives outside the task module."""

from app.kernel.contracts import TASK_DELETE_DOCUMENT, TASK_EMBED, TASK_INDEX_DOCUMENT, TASK_SEARCH
from worker.celery_app import celery_app
from worker.knowledge.cleanup import run_cleanup_job
from worker.knowledge.embed import run_embed_job
from worker.knowledge.indexing import run_index_job
from worker.knowledge.search import run_search_job


@celery_app.task(name=TASK_INDEX_DOCUMENT)
def index_document(document_id: int) -> str:
    return run_index_job(document_id)


@celery_app.task(name=TASK_DELETE_DOCUMENT)
def delete_document(knowledge_base_id: int, document_id: int | None = None) -> str:
    return run_cleanup_job(knowledge_base_id, document_id)


@celery_app.task(name=TASK_SEARCH)
def search(job_id: str) -> str:
    return run_search_job(job_id)


@celery_app.task(name=TASK_EMBED)
def embed(job_id: str) -> str:
    return run_embed_job(job_id)
