"""Splitting a run's time range into the 15-minute windows it covers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

WINDOW = timedelta(minutes=15)
# Platforms report a window's delivery a little after it ends; landing a window 2 minutes past
# its end catches most of it, and the next windows' captures catch the rest.
PLATFORM_LAG = timedelta(minutes=2)


@dataclass(frozen=True, order=True)
class Window:
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive

    def local_day_and_hour(self, timezone: str) -> tuple[date, int]:
        """The account-local day and hour the window starts in (ad platforms report by both)."""
        local = self.start.astimezone(ZoneInfo(timezone))
        return local.date(), local.hour


def window_containing(moment: datetime) -> Window:
    at = moment.astimezone(UTC)
    minutes = WINDOW // timedelta(minutes=1)
    start = at.replace(minute=at.minute - at.minute % minutes, second=0, microsecond=0)
    return Window(start, start + WINDOW)


def windows_between(start: datetime, end: datetime) -> Iterator[Window]:
    cursor = start.astimezone(UTC)
    end = end.astimezone(UTC)
    while cursor < end:
        yield Window(cursor, cursor + WINDOW)
        cursor += WINDOW
