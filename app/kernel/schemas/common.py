from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

T = TypeVar("T")


def without_nul(data: Any) -> Any:
    """`data` with NUL characters dropped from every string in it: PostgreSQL cannot store them, and they are
    invisible, so a request carrying one is taken as if it had none (app/core/db.py guards the other writers)."""
    if isinstance(data, str):
        return data.replace("\x00", "") if "\x00" in data else data
    if isinstance(data, dict):
        return {key: without_nul(value) for key, value in data.items()}
    if isinstance(data, list):
        return [without_nul(value) for value in data]
    return data


class NulFreeModel(BaseModel):
    """A request body whose strings arrive without NUL characters (`without_nul`)."""

    @model_validator(mode="before")
    @classmethod
    def drop_nul_characters(cls, data: Any) -> Any:
        return without_nul(data)


class StrictModel(NulFreeModel):
    """Request bodies reject unknown fields so typos surface as 422 naming the field."""

    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """The one error shape every failure uses."""

    error: ErrorBody


ERROR_STATUSES = (400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503)
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": "Error"} for status in ERROR_STATUSES
}


def changed_fields(data: BaseModel, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Fields the client sent in a PATCH; an explicit null on a field that cannot be empty means "unchanged"."""
    return {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None or k in nullable}


MAX_ID = 2**31 - 1
IdRef = Annotated[int, Field(ge=1, le=MAX_ID)]
"""An id sent in a request body: out-of-range ids are a 422, not a database error."""

SEED_MAX = 2**63 - 1
Seed = Annotated[
    int,
    Field(ge=0, le=SEED_MAX, description="Sampling seed, 0 to 2^63-1: the same seed and settings repeat an answer"),
]
