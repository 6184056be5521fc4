"""Engine errors: each names what went wrong and what to do about it."""


class EngineError(Exception):
    """Base class for everything the engine raises on purpose."""


class UnknownModelError(EngineError, LookupError):
    """The model id (or its adapter) is not in the registry."""


class ModelPullError(EngineError):
    """Weights could not be fetched or converted into the model store."""


class ModelLoadError(EngineError):
    """Weights exist (or should) but could not be loaded: missing files, wrong format, out of memory."""


class InvalidRequestError(EngineError, ValueError):
    """The caller sent messages or parameters the engine cannot serve."""


class ModelUnloadedError(EngineError):
    """The model was unloaded while this request was waiting or running."""
