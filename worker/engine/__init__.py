"""Model store and inference engine: registry, pull/convert, loader + LRU cache, batched generation.

The Celery generation task and the app use these names; everything else is an implementation detail.
"""

from worker.engine.engine import Engine, QueueDepth, get_engine
from worker.engine.errors import (
    EngineError,
    InvalidRequestError,
    ModelLoadError,
    ModelPullError,
    ModelUnloadedError,
    UnknownModelError,
)
from worker.engine.generation import Completion, GenerationParams, TokenEvent
from worker.engine.registry import ModelRegistry, get_registry
from worker.engine.spec import ModelSpec
from worker.engine.store import describe_models, pull_model

__all__ = [
    "Completion",
    "Engine",
    "EngineError",
    "GenerationParams",
    "InvalidRequestError",
    "ModelLoadError",
    "ModelPullError",
    "ModelRegistry",
    "ModelSpec",
    "ModelUnloadedError",
    "QueueDepth",
    "TokenEvent",
    "UnknownModelError",
    "describe_models",
    "get_engine",
    "get_registry",
    "pull_model",
]
