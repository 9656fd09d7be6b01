"""From the simulated Meta and Google Ads APIs through Dagster and dbt to the ad marts, on DuckDB
and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from orchestration.lib.windows import WINDOW
from simulator.google_ads.world import GoogleAdsWorld
from simulator.merchants import Merchant
from simulator.world import World
from tests.helpers import RUN_RANGE
from tests.pipeline.conftest import PipelineRun
from warehouse.serving import open_serving_reader

LAST_WINDOW_START = RUN_RANGE.end - WINDOW


def test_pipeline_run_succeeds(pipeline_run: PipelineRun) -> None:
    assert pipeline_run.succeeded


def test_snapshots_cover_every_window_for_every_merchant(pipeline_run: PipelineRun) -> None:
    rows = pipeline_run.read(
        "SELECT workspace_id, provider, count(DISTINCT window_start) AS windows,"
        " min(window_start) AS first, max(window_start) AS last"
        " FROM marts.fct_metric_snapshots GROUP BY workspace_id, provider",
    )
    coverage = {(row["workspace_id"], row["provider"]): row for row in rows}
    assert set(coverage) == {
        (workspace_id, provider)
        for workspace_id in pipeline_run.workspace_ids.values()
        for provider in ("meta_ads", "google_ads")
    }
    for row in coverage.values():
        assert row["windows"] == RUN_RANGE.windows == 48
        assert row["first"] == RUN_RANGE.start
        assert row["last"] == LAST_WINDOW_START


def _meta_spend(world: World, merchant: Merchant, day: date, last_hour: int) -> Decimal:
    return sum(
        (
            hour.delivery.spend
            for hour in world.meta.ad_hours(merchant.meta_account_id, day)
            if hour.hour_of_day <= last_hour
        ),
        Decimal("0"),
    )


def _google_spend(world: World, merchant: Merchant, day: date, last_hour: int) -> Decimal:
    micros = sum(
        row.metrics.cost_micros
        for row in GoogleAdsWorld.of(world).ad_group_hours(merchant.google_customer_id, day)
        if row.hour <= last_hour
    )
    return Decimal(micros) / 1_000_000


def test_daily_spend_matches_the_platforms_to_the_cent(pipeline_run: PipelineRun) -> None:
    """Each account-local day equals what the simulated account really spent up to the hour of
    the latest window that captured it: the whole day once it closed within the run (or was
    restated), up to the last window's hour for the day in progress."""
    world = pipeline_run.world
    landed = pipeline_run.read(
        "SELECT workspace_id, platform, date_day, sum(spend) AS spend "
        "FROM marts.fct_ad_reporting_daily GROUP BY workspace_id, platform, date_day",
    )
    truth = {"meta_ads": _meta_spend, "google_ads": _google_spend}
    for merchant in world.merchants:
        workspace_id = pipeline_run.workspace_ids[merchant.slug]
        last_local = LAST_WINDOW_START.astimezone(merchant.tz)
        run_days = {RUN_RANGE.start.astimezone(merchant.tz).date(), last_local.date()}
        for platform, spend_of in truth.items():
            actual = {
                row["date_day"]: Decimal(row["spend"])
                for row in landed
                if row["workspace_id"] == workspace_id and row["platform"] == platform
            }
            assert run_days <= set(actual), (merchant.slug, platform)
            expected = {
                day: spend_of(
                    world, merchant, day, last_local.hour if day == last_local.date() else 23
                )
                for day in actual
            }
            assert actual == expected, (merchant.slug, platform)


def test_serving_reader_sees_the_marts(pipeline_run: PipelineRun) -> None:
    reader = open_serving_reader(pipeline_run.settings.warehouse_url)
    try:
        rows = reader.fetch_all("SELECT count(*) AS n FROM marts.fct_ad_reporting_daily")
    finally:
        reader.close()
    assert rows[0]["n"] > 0
