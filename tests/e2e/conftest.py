"""Workers and the tiny model come from the chat and knowledge suites' fixtures."""

from tests.chat.conftest import tiny_model_dir  # noqa: F401
