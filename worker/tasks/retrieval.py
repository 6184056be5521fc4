"""Celery tasks of the retrieval lane (search, /v1/embeddings): a queue and worker apart from indexing."""

from app.kernel.tasks import Embed, Search
from worker.celery_app import rowless_task
from worker.jobs.knowledge.embed import run_embed_job
from worker.jobs.knowledge.search import run_search_job

search = rowless_task(Search, run_search_job)
embed = rowless_task(Embed, run_embed_job)
