"""Rows a connector could not parse: kept with the reason, counted, landed beside the slice."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

T = TypeVar("T")

# A reason quotes the offending value, not a whole object: the payload beside it holds the row.
_MAX_QUOTED_VALUE = 80


@dataclass(frozen=True)
class MalformedRow:
    reason: str
    payload: str  # the row as received, JSON text

    @classmethod
    def of(cls, row: Any, reason: str) -> MalformedRow:
        return cls(reason=reason, payload=json.dumps(row, sort_keys=True, default=str))


def validated(
    record: TypeAdapter[T], row: Any, *, context: Mapping[str, Any] | None = None, what: str = ""
) -> T | MalformedRow:
    """The row as a record, or as a MalformedRow whose reason (after `what`) says which fields
    were wrong and why."""
    try:
        return record.validate_python(row, context=context)
    except ValidationError as exc:
        return MalformedRow.of(row, f"{what}{validation_reason(exc)}")


def validation_reason(error: ValidationError) -> str:
    """One line a data engineer can act on in raw.quarantine: every field that failed, by its
    name in the platform's JSON (`metrics.costMicros`, `refunds[0].createdAt`), and why."""
    return "; ".join(_problem(detail) for detail in error.errors(include_url=False))


def _problem(detail: ErrorDetails) -> str:
    where = "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in detail["loc"]
    ).removeprefix(".")
    if detail["type"] == "missing":
        return f"{where}: missing"
    if not where:  # the row itself: not an object at all
        return detail["msg"]
    quoted = repr(detail["input"])
    if len(quoted) > _MAX_QUOTED_VALUE:
        quoted = f"{quoted[: _MAX_QUOTED_VALUE - 3]}..."
    return f"{where}: {detail['msg']}, got {quoted}"
