"""`ReportPeriod`: the `range`, `from` and `to` query parameters resolved in the workspace's
timezone; `ReportPeriods`: those and `compare`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Query, Request

from api.kit.dates import IsoDate
from api.reporting.periods import (
    DAY_RANGE,
    MAX_DAYS,
    Comparison,
    InvalidPeriod,
    Period,
    ReportRange,
    resolve_range,
)
from api.workspaces.dependencies import workspace_of


@dataclass(frozen=True)
class ResolvedRange:
    report_range: ReportRange
    current: Period
    today: date


@dataclass(frozen=True)
class Periods:
    report_range: ReportRange
    current: Period
    previous: Period | None
    today: date


async def resolved_range(
    request: Request,
    report_range: Annotated[
        ReportRange,
        Query(
            alias="range",
            description="Days to report, in the workspace's timezone. `last_7_days` and "
            "`last_30_days` end yesterday, as the ad platforms' and Shopify's pickers do; "
            "`custom` takes `from` and `to`.",
        ),
    ] = ReportRange.LAST_7_DAYS,
    start: Annotated[
        IsoDate | None,
        Query(alias="from", description=f"First day of a custom range (YYYY-MM-DD), {DAY_RANGE}."),
    ] = None,
    end: Annotated[
        IsoDate | None,
        Query(
            alias="to",
            description=f"Last day of a custom range, included, {DAY_RANGE}; at most {MAX_DAYS} "
            "days from `from`.",
        ),
    ] = None,
) -> ResolvedRange:
    # "Today" is the merchant's: at 23:00 in Los Angeles it is already tomorrow in UTC.
    today = datetime.now(ZoneInfo(workspace_of(request).timezone)).date()
    try:
        current = resolve_range(report_range, today, start, end)
    except InvalidPeriod as exc:
        raise HTTPException(422, str(exc)) from exc
    return ResolvedRange(report_range, current, today)


# The routes that report one period (campaigns, metrics): `range`, `from`, `to`.
ReportPeriod = Annotated[ResolvedRange, Depends(resolved_range)]


async def report_periods(
    resolved: ReportPeriod,
    compare: Annotated[
        Comparison,
        Query(description="`previous_period`: the same number of days just before."),
    ] = Comparison.PREVIOUS_PERIOD,
) -> Periods:
    previous = resolved.current.previous() if compare is Comparison.PREVIOUS_PERIOD else None
    return Periods(resolved.report_range, resolved.current, previous, resolved.today)


ReportPeriods = Annotated[Periods, Depends(report_periods)]
