"""Workers and the tiny model come from the chat and knowledge suites' fixtures."""

from tests.chat.conftest import generation_worker, tiny_model_dir  # noqa: F401
from tests.knowledge.conftest import indexing_worker  # noqa: F401
