"""`ReportPeriod`: the `start`/`end` query parameters, defaulted in the workspace's timezone."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Query, Request

from api.kit.dates import IsoDate
from api.reporting.periods import DAY_RANGE, MAX_DAYS, InvalidPeriod, Period
from api.spend.service import DEFAULT_DAYS, resolve_period
from api.workspaces.dependencies import workspace_of


async def report_period(
    request: Request,
    start: Annotated[
        IsoDate | None,
        Query(
            description=f"First day (YYYY-MM-DD), {DAY_RANGE}; default: {DEFAULT_DAYS} days "
            "up to `end`."
        ),
    ] = None,
    end: Annotated[
        IsoDate | None,
        Query(
            description=f"Last day, included, {DAY_RANGE}; default: today. At most {MAX_DAYS} "
            "days from `start`."
        ),
    ] = None,
) -> Period:
    # "Today" is the merchant's: at 23:00 in Los Angeles it is already tomorrow in UTC.
    today = datetime.now(ZoneInfo(workspace_of(request).timezone)).date()
    try:
        return resolve_period(start, end, today)
    except InvalidPeriod as exc:
        raise HTTPException(422, str(exc)) from exc


ReportPeriod = Annotated[Period, Depends(report_period)]
