"""LocalMind Celery workers: generation, indexing, training. torch lives here."""
