"""From the simulated Meta API through Dagster and dbt to the marts, on DuckDB and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from metricx.demo import DemoRange, run_pipeline
from tests.helpers import RUN_RANGE
from tests.pipeline.conftest import PipelineRun
from warehouse.connection import open_warehouse
from warehouse.serving import open_serving_reader


def _read(run: PipelineRun, sql: str, params: dict | None = None) -> list[dict]:
    warehouse = open_warehouse(run.settings.warehouse_url)
    try:
        return warehouse.fetch_all(sql, params)
    finally:
        warehouse.close()


def test_pipeline_run_succeeds(pipeline_run: PipelineRun) -> None:
    assert pipeline_run.succeeded


def test_snapshots_cover_every_window_for_every_merchant(pipeline_run: PipelineRun) -> None:
    rows = _read(
        pipeline_run,
        "SELECT workspace_id, count(DISTINCT window_start) AS windows, min(window_start) AS first,"
        " max(window_start) AS last FROM marts.fct_metric_snapshots GROUP BY workspace_id",
    )
    coverage = {row["workspace_id"]: row for row in rows}
    assert set(coverage) == set(pipeline_run.workspace_ids.values())
    for row in coverage.values():
        assert row["windows"] == RUN_RANGE.windows == 48
        assert row["first"] == RUN_RANGE.start
        assert row["last"] == RUN_RANGE.end - (RUN_RANGE.end - RUN_RANGE.start) / 48


def test_daily_spend_matches_the_platform_to_the_cent(pipeline_run: PipelineRun) -> None:
    """Each day's total equals what the simulated Meta account really spent up to the hour of
    the latest window captured that day (the last window of the run, or the day's last)."""
    world = pipeline_run.world
    landed = _read(
        pipeline_run,
        "SELECT workspace_id, report_date, sum(spend) AS spend "
        "FROM marts.fct_ad_performance_daily GROUP BY workspace_id, report_date",
    )
    assert landed
    for merchant in world.merchants:
        workspace_id = pipeline_run.workspace_ids[merchant.slug]
        expected: dict[date, Decimal] = defaultdict(Decimal)
        last_window_local = (RUN_RANGE.end - (RUN_RANGE.end - RUN_RANGE.start) / 48).astimezone(
            merchant.tz
        )
        first_local_day = RUN_RANGE.start.astimezone(merchant.tz).date()
        for day in {first_local_day, last_window_local.date()}:
            for hour in world.meta_ad_hours(merchant.meta_account_id, day):
                if day < last_window_local.date() or hour.hour_of_day <= last_window_local.hour:
                    expected[day] += hour.delivery.spend
        actual = {
            row["report_date"]: Decimal(row["spend"])
            for row in landed
            if row["workspace_id"] == workspace_id
        }
        assert actual == dict(expected), merchant.slug


def test_serving_reader_sees_the_marts(pipeline_run: PipelineRun) -> None:
    reader = open_serving_reader(pipeline_run.settings.warehouse_url)
    try:
        rows = reader.fetch_all("SELECT count(*) AS n FROM marts.fct_ad_performance_daily")
    finally:
        reader.close()
    assert rows[0]["n"] > 0


def test_rerunning_a_window_replaces_exactly_its_slice(pipeline_run: PipelineRun) -> None:
    counts_sql = (
        "SELECT (SELECT count(*) FROM raw.meta_ads_insights_hourly) AS raw_rows,"
        " (SELECT count(*) FROM raw.landing_log) AS slices,"
        " (SELECT count(*) FROM marts.fct_metric_snapshots) AS snapshots,"
        " (SELECT count(*) FROM marts.fct_ad_performance_daily) AS daily_rows,"
        " (SELECT sum(spend) FROM marts.fct_ad_performance_daily) AS spend"
    )
    before = _read(pipeline_run, counts_sql)
    one_window = DemoRange(RUN_RANGE.end - (RUN_RANGE.end - RUN_RANGE.start) / 48, RUN_RANGE.end)
    for _ in range(2):
        assert run_pipeline(pipeline_run.definitions, pipeline_run.instance, one_window).success
    assert _read(pipeline_run, counts_sql) == before
