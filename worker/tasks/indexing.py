"""Celery tasks of this area; the domain logic lives outside the task module."""

from app.kernel.tasks import DeleteDocument, Embed, IndexDocument, Search
from worker.celery_app import payload_task
from worker.jobs.knowledge.cleanup import run_cleanup_job
from worker.jobs.knowledge.embed import run_embed_job
from worker.jobs.knowledge.indexing import run_index_job
from worker.jobs.knowledge.search import run_search_job


@payload_task(IndexDocument)
def index_document(task: IndexDocument) -> str:
    return run_index_job(task.document_id)


@payload_task(DeleteDocument)
def delete_document(task: DeleteDocument) -> str:
    return run_cleanup_job(task.knowledge_base_id, task.document_id)


@payload_task(Search)
def search(task: Search) -> str:
    return run_search_job(task.job_id)


@payload_task(Embed)
def embed(task: Embed) -> str:
    return run_embed_job(task.job_id)
