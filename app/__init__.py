"""LocalMind API process (FastAPI). Never imports torch."""
