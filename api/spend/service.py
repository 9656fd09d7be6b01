"""Daily ad spend of a workspace (the semantic layer's `spend`), and how much of each day
landed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from api.reporting.periods import EARLIEST_DAY, Period, checked_period
from warehouse.connection import WarehouseReader
from warehouse.raw_tables import GOOGLE_ADS_AD_GROUP_HOURLY, META_ADS_INSIGHTS_HOURLY
from warehouse.semantic.compiler import MetricQuery, SemanticLayer, as_day

DEFAULT_DAYS = 30
CENT = Decimal("0.01")

# The semantic layer's `spend`: in the workspace's currency and on its days (its ad accounts may
# bill in other currencies and timezones; the hours are summed by the workspace-local day they
# fall on).
_DAILY_SPEND = MetricQuery(("spend",), ("metric_time__day",))

Coverage = Literal["complete", "partial", "missing"]
# Coverage is per workspace-local day too: a day's windows are the 15-minute windows of the
# workspace's day, each capturing its account day so far, so a workspace day whose windows all
# landed has been captured through its last hour, whichever account days its hours belong to.
# Every day of each ad connection of the workspace that ever landed its hourly delivery, from
# the first day it landed through its last (fct_landing_coverage_daily); its other days are
# missing. The whole history, not the period: a connection whose days all lie outside the period
# still makes the period's days incomplete.
_AD_COVERAGE_SQL = """
SELECT connection_id, date_day, coverage
FROM marts.fct_landing_coverage_daily
WHERE workspace_id = :workspace_id AND source_table IN (:meta_ads, :google_ads)
"""


@dataclass(frozen=True)
class DaySpend:
    day: date
    spend: Decimal | None  # None when nothing of the day landed: unknown, not zero
    coverage: Coverage


def resolve_period(start: date | None, end: date | None, today: date) -> Period:
    """The requested period; a missing end is `today`, a missing start the 30 days up to end."""
    end = end or today
    if start is None:
        default = timedelta(days=DEFAULT_DAYS - 1)
        # Near the first day a period may hold, the default stops there (not at year 1).
        start = end - default if end - EARLIEST_DAY >= default else end
    return checked_period(start, end)


def daily_spend(
    semantic_layer: SemanticLayer, warehouse: WarehouseReader, workspace_id: str, period: Period
) -> list[DaySpend]:
    """One entry per day of the period, so charts have no gaps: the day's spend and how much of
    it landed. A day no ad connection landed any window of has no spend (None), never 0.00; a
    day whose every ad connection landed every window is complete, and only then is a zero a
    day without delivery for sure."""
    coverage = _ad_coverage(warehouse, workspace_id, period)
    rows = semantic_layer.query(
        warehouse, _DAILY_SPEND, workspace_id=workspace_id, start=period.start, end=period.end
    )
    spend_by_day = {as_day(row["metric_time__day"]): _to_cents(row["spend"] or 0) for row in rows}
    return [
        DaySpend(
            day,
            None if coverage[day] == "missing" else spend_by_day.get(day, Decimal("0.00")),
            coverage[day],
        )
        for day in period.days()
    ]


def _ad_coverage(
    warehouse: WarehouseReader, workspace_id: str, period: Period
) -> dict[date, Coverage]:
    """Each day's coverage over every ad connection of the workspace that ever landed: complete
    when all of them landed every window of the day, missing when none landed any (or there is
    none), partial otherwise."""
    by_connection: dict[str, dict[date, Coverage]] = defaultdict(dict)
    for row in warehouse.fetch_all(
        _AD_COVERAGE_SQL,
        {
            "workspace_id": workspace_id,
            "meta_ads": META_ADS_INSIGHTS_HOURLY.name,
            "google_ads": GOOGLE_ADS_AD_GROUP_HOURLY.name,
        },
    ):
        by_connection[row["connection_id"]][row["date_day"]] = row["coverage"]
    return {
        day: _combined({days.get(day, "missing") for days in by_connection.values()})
        for day in period.days()
    }


def _combined(coverages: set[Coverage]) -> Coverage:
    if coverages == {"complete"}:
        return "complete"
    if not coverages or coverages == {"missing"}:
        return "missing"
    return "partial"


def _to_cents(amount: object) -> Decimal:
    # str() first: a float backend type must not leak binary noise into money.
    return Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
