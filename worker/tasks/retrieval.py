"""Celery tasks of the retrieval lane (search, /v1/embeddings): a queue and worker apart from indexing."""

from app.kernel.tasks import Embed, Search
from worker.celery_app import payload_task
from worker.jobs.knowledge.embed import run_embed_job
from worker.jobs.knowledge.search import run_search_job


@payload_task(Search)
def search(task: Search) -> str:
    return run_search_job(task.job_id)


@payload_task(Embed)
def embed(task: Embed) -> str:
    return run_embed_job(task.job_id)
