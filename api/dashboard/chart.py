"""The dashboard's chart: spend and revenue, one series per provider and a total.

A single day (`today`, `yesterday`) is drawn from the 15-minute captures: each point is the
day so far at the end of a window, spend as the metric snapshots captured it, revenue as the
sales of the day's windows up to it. Longer periods get a point per day. Per provider, revenue
is what the attribution model credits to it (daily points only: attribution is booked by day);
the total's revenue is net sales.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from api.dashboard.breakdowns import DAY
from api.dashboard.kpis import ADS_PROVIDER, ATTRIBUTION_PROVIDER
from api.dashboard.rollup import rolled_up
from api.reporting.attribution import AttributionModel
from api.reporting.periods import Period
from warehouse.connection import WarehouseReader
from warehouse.semantic.compiler import MetricQuery, SemanticLayer, as_day

WINDOW = timedelta(minutes=15)
TOTAL = "total"
_CAPTURED_AT = "metric_snapshot__captured_at__minute"
_SNAPSHOT_CONNECTION = "metric_snapshot__connection_id"
_SNAPSHOT_PROVIDER = "metric_snapshot__provider"
_SALES_WINDOW = "sales_event__sales_window__minute"


@dataclass
class Point:
    at: datetime | date
    spend: Decimal | None = None
    revenue: Decimal | None = None


@dataclass
class Series:
    provider: str
    points: list[Point] = field(default_factory=list)


def daily_revenue(
    semantic_layer: SemanticLayer, warehouse: WarehouseReader, workspace_id: str, period: Period
) -> list[dict[str, Any]]:
    """Net revenue per day: the total series' revenue."""
    return semantic_layer.query(
        warehouse,
        MetricQuery(("revenue",), (DAY,)),
        workspace_id=workspace_id,
        start=period.start,
        end=period.end,
    )


def daily(
    semantic_layer: SemanticLayer,
    period: Period,
    model: AttributionModel,
    provider: str | None,
    *,
    spend_by_day: list[dict[str, Any]],
    attributed_by_day: list[dict[str, Any]],
    revenue_by_day: list[dict[str, Any]] | None,
) -> list[Series]:
    """A point per day: the providers' spend and attributed revenue, and the total, from the
    breakdowns' daily rows (api/dashboard/breakdowns.py: spend holds the request's provider
    only) and `daily_revenue`'s; with a provider (no `revenue_by_day`), its series alone, which
    is its total."""
    attributed = model.metric("attributed_revenue")
    by_provider: dict[str, dict[date, Point]] = defaultdict(dict)
    for (day, name), spend in rolled_up(
        semantic_layer, "spend", spend_by_day, (DAY, ADS_PROVIDER)
    ).items():
        by_provider[name].setdefault(as_day(day), Point(as_day(day))).spend = spend
    for (day, name), revenue in rolled_up(
        semantic_layer, attributed, attributed_by_day, (DAY, ATTRIBUTION_PROVIDER)
    ).items():
        # Without a provider: the shop's own channels (organic, email, …), not in a series.
        if name is not None and provider in (None, name):
            by_provider[name].setdefault(as_day(day), Point(as_day(day))).revenue = revenue
    series = [
        Series(name, [points.get(day, Point(day)) for day in period.days()])
        for name, points in sorted(by_provider.items())
    ]
    if revenue_by_day is None:
        return series
    total = {day: Point(day) for day in period.days()}
    for (day,), spend in rolled_up(semantic_layer, "spend", spend_by_day, (DAY,)).items():
        if (point := total.get(as_day(day))) is not None:
            point.spend = spend
    for row in revenue_by_day:
        if (point := total.get(as_day(row[DAY]))) is not None:
            point.revenue = row["revenue"]
    return [*series, Series(TOTAL, list(total.values()))]


def intraday(
    semantic_layer: SemanticLayer,
    warehouse: WarehouseReader,
    workspace_id: str,
    day: date,
    timezone: str,
    provider: str | None,
    now: datetime,
) -> list[Series]:
    windows = _window_ends(day, timezone, now)
    if not windows:
        return [Series(TOTAL)] if not provider else []
    snapshots = semantic_layer.query(
        warehouse,
        MetricQuery(
            ("spend_day_to_date",),
            (_CAPTURED_AT, _SNAPSHOT_PROVIDER, _SNAPSHOT_CONNECTION),
            (_SNAPSHOT_PROVIDER,) if provider else (),
        ),
        workspace_id=workspace_id,
        start=day,
        end=day,
        filter_values=(provider,) if provider else (),
    )
    # Per connection, the latest capture at or before each window end: a window a connection
    # has not landed yet shows what it had, not a dip to zero.
    captures: dict[tuple[str, str], dict[datetime, Decimal]] = defaultdict(dict)
    for row in snapshots:
        key = (row[_SNAPSHOT_PROVIDER], row[_SNAPSHOT_CONNECTION])
        captures[key][_as_utc(row[_CAPTURED_AT])] = row["spend_day_to_date"]
    spend_by_provider: dict[str, list[Decimal | None]] = defaultdict(lambda: [None] * len(windows))
    for (name, _connection), seen in captures.items():
        totals = spend_by_provider[name]
        for index, spend in enumerate(_carried_forward(seen, windows)):
            if spend is not None:
                totals[index] = (totals[index] or Decimal(0)) + spend
    zone = ZoneInfo(timezone)
    series = [
        Series(
            name,
            [
                Point(end.astimezone(zone), spend)
                for end, spend in zip(windows, values, strict=True)
            ],
        )
        for name, values in sorted(spend_by_provider.items())
    ]
    if provider:
        return series
    sales = semantic_layer.query(
        warehouse,
        MetricQuery(("revenue",), (_SALES_WINDOW,)),
        workspace_id=workspace_id,
        start=day,
        end=day,
    )
    revenue_by_window = {_as_utc(row[_SALES_WINDOW]) + WINDOW: row["revenue"] for row in sales}
    revenue_so_far = Decimal(0)
    total = Series(TOTAL)
    for index, end in enumerate(windows):
        revenue_so_far += revenue_by_window.get(end) or Decimal(0)
        spends: list[Decimal] = [
            spend for values in spend_by_provider.values() if (spend := values[index]) is not None
        ]
        total.points.append(
            Point(end.astimezone(zone), sum(spends, Decimal(0)) if spends else None, revenue_so_far)
        )
    return [*series, total]


def _window_ends(day: date, timezone: str, now: datetime) -> list[datetime]:
    """The UTC ends of the 15-minute windows of the workspace's day that have closed by now."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    # A daylight-saving day has 23 or 25 hours.
    end = min(datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC), now)
    ends = []
    window_end = start + WINDOW
    while window_end <= end:
        ends.append(window_end)
        window_end += WINDOW
    return ends


def _carried_forward(
    seen: dict[datetime, Decimal], windows: list[datetime]
) -> list[Decimal | None]:
    latest: Decimal | None = None
    values = []
    for end in windows:
        latest = seen.get(end, latest)
        values.append(latest)
    return values


def _as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
