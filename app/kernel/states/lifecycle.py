"""A lifecycle: which status may follow which, and the conditional UPDATE that applies one step."""

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import Update, update

S = TypeVar("S", bound=StrEnum)


class Lifecycle(Generic[S]):
    def __init__(self, model: Any, allowed: Mapping[S, Iterable[S]]):
        self._model = model
        self._allowed = {source: frozenset(targets) for source, targets in allowed.items()}

    def sources(self, target: S) -> frozenset[S]:
        """The statuses from which `target` may be entered."""
        return frozenset(source for source, targets in self._allowed.items() if target in targets)

    def allows(self, source: S, target: S) -> bool:
        return target in self._allowed.get(source, frozenset())

    def move(self, row_id: int, target: S, *, sources: Iterable[S] | None = None, **values: Any) -> Update:
        """UPDATE row `row_id` to `target` (plus `values`) only while it is in `sources` (default: all allowed)."""
        chosen = frozenset(sources) if sources is not None else self.sources(target)
        illegal = sorted(source for source in chosen if not self.allows(source, target))
        if illegal or not chosen:
            raise ValueError(f"{self._model.__name__}: no transition from {illegal or 'nothing'} to {target}")
        model = self._model
        return (
            update(model)
            .where(model.id == row_id, model.status.in_(sorted(chosen)))
            .values(status=target, **values)
            .execution_options(synchronize_session=False)
        )


class JobLifecycle(Lifecycle[S]):
    """A queued job's lifecycle: waiting → running → succeeded, and from either an early end (failed, cancelled)."""

    def __init__(self, model: Any, waiting: S, running: S, succeeded: S, ended_early: Iterable[S]):
        early = frozenset(ended_early)
        super().__init__(model, {waiting: {running, *early}, running: {succeeded, *early}})
        self.active = frozenset({waiting, running})
        self.final = frozenset({succeeded, *early})
