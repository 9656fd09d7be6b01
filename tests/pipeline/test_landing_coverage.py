"""The coverage mart after the shared pipeline run, on DuckDB and PostgreSQL, against what landed
(raw.landing_log): each connection's days in its workspace's timezone, with the windows of each
day that landed. The run lands 12 hours across local midnight in New York and in Berlin, so each
connection has two partial days; whole, DST and gap days are the mart's dbt unit tests.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from orchestration.lib.windows import WINDOW
from tests.helpers import RUN_RANGE
from tests.pipeline.conftest import PipelineRun
from warehouse.raw_tables import (
    GOOGLE_ADS_AD_GROUP_HOURLY,
    META_ADS_INSIGHTS_HOURLY,
    SHOPIFY_ORDERS,
)

# The landings whose windows the mart counts: Meta's entities land only in a run's last window,
# the pixel events through their own asset.
COUNTED_TABLES = {
    table.name for table in (META_ADS_INSIGHTS_HOURLY, GOOGLE_ADS_AD_GROUP_HOURLY, SHOPIFY_ORDERS)
}


def _local_midnight(day: date, timezone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone).astimezone(UTC)


def _landed_days(run: PipelineRun) -> dict[tuple[str, str], dict[date, list[dict[str, Any]]]]:
    """The landing log's rows per (connection, table), by the workspace-local day of their
    window."""
    timezones = {run.workspace_ids[m.slug]: ZoneInfo(m.timezone) for m in run.world.merchants}
    landed: dict[tuple[str, str], dict[date, list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in run.read("SELECT * FROM raw.landing_log"):
        if row["source_table"] not in COUNTED_TABLES:
            continue
        day = row["window_start"].astimezone(timezones[row["workspace_id"]]).date()
        landed[(row["connection_id"], row["source_table"])][day].append(row)
    return landed


def _coverage_rows(run: PipelineRun) -> dict[tuple[str, str, date], dict[str, Any]]:
    return {
        (row["connection_id"], row["source_table"], row["date_day"]): row
        for row in run.read("SELECT * FROM marts.fct_landing_coverage_daily")
    }


def test_coverage_counts_the_windows_each_connection_landed_per_local_day(
    pipeline_run: PipelineRun,
) -> None:
    assert pipeline_run.succeeded
    timezones = {
        pipeline_run.workspace_ids[m.slug]: m.timezone for m in pipeline_run.world.merchants
    }
    expected = {}
    for (connection_id, table), by_day in _landed_days(pipeline_run).items():
        workspace_id = next(iter(by_day.values()))[0]["workspace_id"]
        timezone = ZoneInfo(timezones[workspace_id])
        day = min(by_day)
        while day <= max(by_day):
            start = _local_midnight(day, timezone)
            end = _local_midnight(day + timedelta(days=1), timezone)
            windows = by_day.get(day, [])
            windows_expected = (end - start) // WINDOW
            expected[(connection_id, table, day)] = {
                "workspace_id": workspace_id,
                "workspace_timezone": timezones[workspace_id],
                "day_start": start,
                "day_end": end,
                "windows_expected": windows_expected,
                "windows_landed": len(windows),
                "quarantined_rows": sum(row["quarantined_count"] for row in windows),
                "last_landed_at": max((row["landed_at"] for row in windows), default=None),
                "coverage": "missing"
                if not windows
                else "complete"
                if len(windows) == windows_expected
                else "partial",
            }
            day += timedelta(days=1)
    assert len({key[:2] for key in expected}) == 3 * len(pipeline_run.world.merchants)

    actual = {
        key: {column: row[column] for column in expected.get(key, row)}
        for key, row in _coverage_rows(pipeline_run).items()
    }
    assert actual == expected


def test_the_runs_edge_days_are_partial_in_each_workspaces_timezone(
    pipeline_run: PipelineRun,
) -> None:
    """12 hours across local midnight: the evening before and the morning after, in New York
    (UTC-5) as in Berlin (UTC+1), each partial, for every connection; no day is complete and
    none is missing."""
    assert pipeline_run.succeeded
    rows = _coverage_rows(pipeline_run)
    for merchant in pipeline_run.world.merchants:
        workspace_id = pipeline_run.workspace_ids[merchant.slug]
        timezone = ZoneInfo(merchant.timezone)
        run_days = {
            RUN_RANGE.start.astimezone(timezone).date(),
            (RUN_RANGE.end - WINDOW).astimezone(timezone).date(),
        }
        assert len(run_days) == 2, merchant.timezone
        by_connection: dict[str, dict[date, str]] = defaultdict(dict)
        for (connection_id, table, day), row in rows.items():
            if row["workspace_id"] == workspace_id:
                by_connection[f"{table}/{connection_id}"][day] = row["coverage"]
        assert len(by_connection) == len(COUNTED_TABLES), merchant.slug
        for connection, days in by_connection.items():
            assert days == dict.fromkeys(run_days, "partial"), (merchant.slug, connection)
