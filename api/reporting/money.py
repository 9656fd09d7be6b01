"""Money as the reporting routes send it: the workspace currency to the cent, as a decimal
string (JSON numbers are floats to most clients)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import PlainSerializer

CENT = Decimal("0.01")

Money = Annotated[Decimal, PlainSerializer(str, return_type=str)]


def to_cents(amount: object) -> Decimal:
    # str() first: a float backend type must not leak binary noise into money.
    return Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
