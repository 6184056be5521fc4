"""Errors the training task turns into a failed job with a human-readable reason."""


class TrainingError(RuntimeError):
    """A fine-tune that cannot start or did not finish; the message is meant for the user."""


class ConfigError(TrainingError, ValueError):
    """An invalid training setting; `field` names the setting so the API can point at it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
