"""Report ranges resolved to the merchant's days.

The presets follow the ad platforms' and Shopify's date pickers: `last_7_days` and
`last_30_days` end yesterday (today is still landing), `month_to_date` ends today. The
previous period is the same number of days just before, as Shopify's "compare to previous
period" does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

# A leap year, so "the last year" always fits in one request.
MAX_DAYS = 366
# No ad platform or shop reports earlier days; it also keeps every previous period and default
# start a valid date.
EARLIEST_DAY = date(2000, 1, 1)
# Far past any day with data, and far enough from `date.max` that a day's end, its next day and
# its UTC bounds in every timezone stay valid dates.
LATEST_DAY = date(2099, 12, 31)
# For the date parameters' descriptions: the OpenAPI schema of a date has no bounds.
DAY_RANGE = f"between {EARLIEST_DAY} and {LATEST_DAY}"


class ReportRange(StrEnum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    LAST_7_DAYS = "last_7_days"
    LAST_30_DAYS = "last_30_days"
    MONTH_TO_DATE = "month_to_date"
    LAST_MONTH = "last_month"
    CUSTOM = "custom"


class Comparison(StrEnum):
    PREVIOUS_PERIOD = "previous_period"
    NONE = "none"


class InvalidPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    """Days of the workspace's timezone from `start` to `end`, both included."""

    start: date
    end: date

    @property
    def length(self) -> int:
        return (self.end - self.start).days + 1

    def days(self) -> Iterator[date]:
        for offset in range(self.length):
            yield self.start + timedelta(days=offset)

    def previous(self) -> Period:
        """The same number of days, ending the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.length - 1), end)


def resolve_range(
    report_range: ReportRange, today: date, start: date | None = None, end: date | None = None
) -> Period:
    """The days `report_range` covers when it is `today` in the workspace's timezone;
    `custom` takes `start` and `end` (both needed)."""
    yesterday = today - timedelta(days=1)
    if report_range is ReportRange.CUSTOM:
        if start is None or end is None:
            raise InvalidPeriod("a custom range needs both `from` and `to`")
        return checked_period(start, end)
    if start is not None or end is not None:
        raise InvalidPeriod("`from` and `to` go with range=custom only")
    if report_range is ReportRange.TODAY:
        return Period(today, today)
    if report_range is ReportRange.YESTERDAY:
        return Period(yesterday, yesterday)
    if report_range is ReportRange.LAST_7_DAYS:
        return Period(yesterday - timedelta(days=6), yesterday)
    if report_range is ReportRange.LAST_30_DAYS:
        return Period(yesterday - timedelta(days=29), yesterday)
    if report_range is ReportRange.MONTH_TO_DATE:
        return Period(today.replace(day=1), today)
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return Period(last_month_end.replace(day=1), last_month_end)


def checked_period(start: date, end: date) -> Period:
    if start < EARLIEST_DAY:
        raise InvalidPeriod(f"days before {EARLIEST_DAY} hold no data")
    if end > LATEST_DAY:
        raise InvalidPeriod(f"days after {LATEST_DAY} are not reported")
    if start > end:
        raise InvalidPeriod(f"start ({start}) is after end ({end})")
    period = Period(start, end)
    if period.length > MAX_DAYS:
        raise InvalidPeriod(f"the period spans more than {MAX_DAYS} days")
    return period
