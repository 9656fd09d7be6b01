"""Daily ad spend of a workspace, summed over its ad accounts from the warehouse marts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from warehouse.connection import WarehouseReader

DEFAULT_DAYS = 30
# A leap year, so "the last year" always fits in one request.
MAX_DAYS = 366
CENT = Decimal("0.01")

# In the workspace's currency: its ad accounts may bill in others.
_DAILY_SPEND_SQL = """
SELECT date_day, COALESCE(SUM(spend_workspace_currency), 0) AS spend
FROM marts.fct_ad_reporting_daily
WHERE workspace_id = :workspace_id AND date_day BETWEEN :start AND :end
GROUP BY date_day
"""


class InvalidPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    """Calendar days from `start` to `end`, both included."""

    start: date
    end: date

    def days(self) -> Iterator[date]:
        for offset in range((self.end - self.start).days + 1):
            yield self.start + timedelta(days=offset)


@dataclass(frozen=True)
class DaySpend:
    day: date
    spend: Decimal


def resolve_period(start: date | None, end: date | None, today: date) -> Period:
    """The requested period; a missing end is `today`, a missing start the 30 days up to end."""
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidPeriod(f"start ({start}) is after end ({end})")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidPeriod(f"the period spans more than {MAX_DAYS} days")
    return Period(start, end)


def daily_spend(warehouse: WarehouseReader, workspace_id: str, period: Period) -> list[DaySpend]:
    """One entry per day of the period, zero on days without delivery, so charts have no gaps."""
    rows = warehouse.fetch_all(
        _DAILY_SPEND_SQL,
        {"workspace_id": workspace_id, "start": period.start, "end": period.end},
    )
    spend_by_day = {row["date_day"]: _to_cents(row["spend"]) for row in rows}
    return [DaySpend(day, spend_by_day.get(day, Decimal("0.00"))) for day in period.days()]


def _to_cents(amount: object) -> Decimal:
    # str() first: a float backend type must not leak binary noise into money.
    return Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
