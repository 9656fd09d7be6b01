"""Every day metricx serves is a day in the workspace's timezone (issue #12), on DuckDB and
PostgreSQL: with the workspace six hours from its ad accounts, a workspace day's ad delivery is
that of the hours starting on it, computed here from the raw landing tables alone, and not the
ad accounts' day of the same date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from api.reporting.periods import Period
from api.spend.service import daily_spend
from tests.pipeline.workspace_days import WORKSPACE_TIMEZONE, Delivery, ShiftedWorkspace
from warehouse.connection import open_warehouse
from warehouse.semantic.compiler import SemanticLayer
from warehouse.semantic.manifest import load_semantic_manifest

CENT = Decimal("0.01")
# The run's days (tests.helpers.RUN_RANGE ends 2026-11-20 08:00 UTC).
RUN_DAY = datetime(2026, 11, 20, tzinfo=UTC)


def _mart_delivery(shifted: ShiftedWorkspace, mart: str, day_column: str) -> dict[date, Delivery]:
    rows = shifted.read(
        f"SELECT {day_column} AS day, sum(spend_workspace_currency) AS spend,"
        " sum(impressions) AS impressions, sum(clicks) AS clicks,"
        " sum(conversions) AS conversions,"
        " sum(conversion_value_workspace_currency) AS conversion_value"
        f" FROM marts.{mart} WHERE workspace_id = :w GROUP BY {day_column}",
        {"w": shifted.workspace_id},
    )
    return {
        row["day"]: Delivery(
            Decimal(row["spend"]),
            int(row["impressions"]),
            int(row["clicks"]),
            Decimal(row["conversions"]),
            Decimal(row["conversion_value"]),
        )
        for row in rows
    }


def _rounded(delivery: dict[date, Delivery]) -> dict[date, tuple]:
    # The marts keep conversions to 6 decimals (Google's are fractional, landed with 9).
    return {
        day: (d.spend, d.impressions, d.clicks, round(d.conversions, 5), d.conversion_value)
        for day, d in delivery.items()
    }


def test_the_workspace_and_its_ad_accounts_are_six_hours_apart(
    shifted_run: ShiftedWorkspace,
) -> None:
    offsets = {
        timezone: RUN_DAY.astimezone(ZoneInfo(timezone)).utcoffset()
        for timezone in (shifted_run.account_timezone, WORKSPACE_TIMEZONE)
    }
    assert offsets[WORKSPACE_TIMEZONE] - offsets[shifted_run.account_timezone] == timedelta(hours=6)


def test_a_workspace_day_holds_the_hours_starting_on_it(shifted_run: ShiftedWorkspace) -> None:
    workspace_days = _mart_delivery(shifted_run, "fct_ad_reporting_hourly", "workspace_date_day")
    account_days = _mart_delivery(shifted_run, "fct_ad_reporting_daily", "date_day")

    assert _rounded(workspace_days) == _rounded(shifted_run.by_workspace_day)
    # The account's days stay the platforms' own (the daily mart), and they are other figures.
    assert _rounded(account_days) == _rounded(shifted_run.by_account_day)
    # The run lands New York's 19th and 20th; their hours start on Berlin's 19th and 20th.
    common = set(shifted_run.by_workspace_day) & set(shifted_run.by_account_day)
    assert common == {date(2026, 11, 19), date(2026, 11, 20)}
    assert all(
        shifted_run.by_workspace_day[day].spend != shifted_run.by_account_day[day].spend
        for day in common
    )


def test_daily_spend_serves_the_workspace_days(shifted_run: ShiftedWorkspace) -> None:
    """/spend/daily's figures: every day the workspace's connections landed any window of."""
    days = sorted(shifted_run.by_workspace_day)
    warehouse = open_warehouse(shifted_run.warehouse_url)
    semantic_layer = SemanticLayer(load_semantic_manifest(), warehouse.backend)
    try:
        served = daily_spend(
            semantic_layer, warehouse, shifted_run.workspace_id, Period(days[0], days[-1])
        )
    finally:
        warehouse.close()
    landed = {day.day: day.spend for day in served if day.coverage != "missing"}
    # The run's windows fall on two of Berlin's days (21:00 on the 19th to 09:00 on the 20th).
    assert set(landed) == {date(2026, 11, 19), date(2026, 11, 20)}
    assert landed == {day: shifted_run.by_workspace_day[day].spend.quantize(CENT) for day in landed}
