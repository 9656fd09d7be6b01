"""Money as the simulated platforms serve it: integer cents inside, `Decimal` at the edge."""

from __future__ import annotations

from decimal import Decimal

CENT = Decimal("0.01")


def cents(amount_cents: int) -> Decimal:
    """`amount_cents` as a two-place `Decimal` (1234 → 12.34)."""
    return Decimal(amount_cents).scaleb(-2)
