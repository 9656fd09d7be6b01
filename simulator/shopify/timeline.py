"""What every part of a shop's timeline is drawn from: the shops' seeded draws, time spans in
seconds, and the hour numbers ids are built from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from simulator.draws import between, seeded_draws
from simulator.hours import HOUR

MINUTE_S = 60
HOUR_S = 3_600
DAY_S = 86_400
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # ids are built from hours since this instant


def shop_draws(seed: int, *parts: str) -> tuple[int, ...]:
    return seeded_draws(seed, "shop", *parts)


def seconds(draw: int, bounds: tuple[int, int]) -> timedelta:
    """A span of `bounds[0]` to `bounds[1]` seconds inclusive."""
    return timedelta(seconds=between(draw, *bounds))


def hour_ordinal(hour: datetime) -> int:
    if hour < _EPOCH:
        raise ValueError(f"the shops opened in 2000; {hour.isoformat()} is before that")
    return (hour - _EPOCH) // HOUR


def hour_of_ordinal(ordinal: int) -> datetime:
    """The UTC hour `hour_ordinal` numbered `ordinal`."""
    return _EPOCH + ordinal * HOUR
