import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def embedder():
    from worker.rag.embedder import get_embedder

    return get_embedder("all-MiniLM-L6-v2")
