"""The values every platform's JSON carries, as the connectors' records validate them.

Records are Pydantic dataclasses (so `dataclasses.fields()` still lists their columns) read from
the wire with a `TypeAdapter`; a row that fails becomes a quarantined `MalformedRow`
(`quarantine.validated`). The types here are stricter than Pydantic's lax defaults where the
platforms' formats call for it: money never passes through a binary float, and a JSON `true` is
never taken for the integer 1.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, ConfigDict, Field, Strict
from pydantic_core import PydanticCustomError

# Records validate from the platform's field names (aliases) and can be built by their own names.
RECORD_CONFIG = ConfigDict(validate_by_alias=True, validate_by_name=True)

_DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_INT64_TEXT = re.compile(r"-?[0-9]{1,19}")


def _exact_decimal(value: Any) -> Any:
    # Meta and Shopify send money as decimal strings; Google's doubles arrive as Decimal because
    # its client parses JSON with `parse_float=Decimal`. A float has already lost digits.
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        return Decimal(value)
    raise PydanticCustomError("exact_decimal", "Input should be a decimal number in digits")


def _integer_text(value: Any) -> Any:
    # int64 travels as a decimal string in proto3 JSON (Google) and GraphQL (Shopify), and Meta
    # sends its counts as strings too.
    if isinstance(value, str) and _INT64_TEXT.fullmatch(value):
        return int(value)
    return value


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


ExactDecimal = Annotated[Decimal, Field(allow_inf_nan=False), BeforeValidator(_exact_decimal)]
WireInt = Annotated[int, Strict(), BeforeValidator(_integer_text)]
Count = Annotated[WireInt, Field(ge=0)]
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_utc)]
