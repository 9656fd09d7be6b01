"""Seeded random draws: every number the simulated platforms make up comes from these, so the same
seed gives the same world, to the cent, on every machine and in every order of questions.

Draws and rates are integers (rates in basis points): no float touches money.
"""

from __future__ import annotations

import hashlib
import struct

BASIS = 10_000  # one in basis points


def seeded_draws(*parts: object) -> tuple[int, ...]:
    """Eight uniform 32-bit draws fixed by `parts` (a seed, what is drawn for, a salt)."""
    key = "|".join(str(part) for part in parts)
    return struct.unpack(">8I", hashlib.blake2b(key.encode(), digest_size=32).digest())


def between(draw: int, low: int, high: int) -> int:
    """`draw` mapped to an integer from `low` to `high` inclusive."""
    return low + draw % (high - low + 1)


def round_at_random(numerator: int, denominator: int, draw: int) -> int:
    # Adding a uniform draw before flooring rounds up or down in proportion, so an expected
    # 0.3 sessions gives one session in 30% of hours.
    return (numerator + draw % denominator) // denominator
