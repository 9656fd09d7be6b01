"""Restatement that converges: when Google restates a past day, the next scheduled Google
restatement run lands it again and the build it triggers makes the ad marts equal the platform's
restated figures, while the metric snapshots keep what every other capture saw.

On a copy of the shared run's warehouse (12 hours landed as of NOW), against a world of the same
seed whose clock the test moves: the day after, at the schedule's tick.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dagster import AssetKey, AssetSelection, DagsterInstance, build_schedule_context

from metricx.settings import Settings
from orchestration.definitions import build_definitions
from orchestration.jobs import INGEST_JOB_NAME, WAREHOUSE_JOB_NAME
from orchestration.lib.loggers import RUN_LOGGER_CONFIG
from orchestration.lib.restatement import closing_window
from orchestration.partitions import DAY_KEY_FORMAT, window_start
from simulator.google_ads.world import GoogleAdsWorld
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from simulator.world import World
from stack.simulated import simulated_platform_settings
from tests.helpers import NOW, Clock, read_warehouse
from tests.pipeline.conftest import PipelineRun

SCHEDULE = "google_ads_restatement"
LANDING = AssetKey(["raw", "google_ads_ad_group_hourly"])
# Google restates, an hour after the shared run landed: New York's 19th (landed by that run,
# every capture of it in the snapshots) gains a quarter more conversions, and its 10th, far
# beyond the two days the hourly runs restate, loses 40% (a retraction).
RESTATED_AT = NOW + timedelta(hours=1)
RESTATEMENTS = {date(2026, 11, 19): 1_250, date(2026, 11, 10): 600}
# The schedule's next tick after that (03:45 UTC) lands the 03:15 window and the 30 days before.
TICK = datetime(2026, 11, 21, 3, 45, tzinfo=UTC)
# What the ad marts and the snapshots hold of an ad group, in the order of `Figures`.
METRICS = ("spend", "impressions", "clicks", "conversions", "conversion_value")
# Per Google ad group: spend (in the account currency), impressions, clicks, conversions and
# conversion value.
Figures = tuple[Decimal, int, int, Decimal, Decimal]


# Per test, so each backend's run starts from the world the shared run saw.
@pytest.fixture
def restating_clock() -> Clock:
    return Clock()


@pytest.fixture
def restating_world(restating_clock: Clock) -> World:
    """The shared run's world (same seed and merchants), on a clock the test moves."""
    return World(seed=7, merchants=2, clock=restating_clock)


@pytest.fixture
def restating_simulator(restating_world: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(restating_world) as running:
        yield running


@pytest.fixture
def restated_settings(
    pipeline_run: PipelineRun,
    warehouse_copy: str,
    restating_simulator: SimulatorServer,
    tmp_path: Path,
) -> Settings:
    """The shared run's settings (its connections and their key) on copies of its warehouse
    and app database, the platforms at this module's simulator."""
    app_database = tmp_path / "app.db"
    shutil.copyfile(pipeline_run.settings.app_database_url.removeprefix("sqlite:///"), app_database)
    return pipeline_run.settings.model_copy(
        update={
            "warehouse_url": warehouse_copy,
            "app_database_url": f"sqlite:///{app_database}",
            **simulated_platform_settings(restating_simulator.base_url),
        }
    )


def test_a_restated_day_reaches_the_marts_after_the_next_restatement_run(
    restated_settings: Settings, restating_world: World, restating_clock: Clock
) -> None:
    google = GoogleAdsWorld.of(restating_world)
    new_york = restating_world.merchants[0]
    snapshots_before = _google_snapshots(restated_settings)

    restating_clock.now = RESTATED_AT
    for day, permille in RESTATEMENTS.items():
        google.restate_conversions(new_york.google_customer_id, day, permille)
    restating_clock.now = TICK
    definitions = build_definitions(restated_settings)
    context = build_schedule_context(
        repository_def=definitions.get_repository_def(), scheduled_execution_time=TICK
    )
    [request] = definitions.resolve_schedule_def(SCHEDULE).evaluate_tick(context).run_requests
    with DagsterInstance.ephemeral() as instance:
        landing = definitions.resolve_job_def(INGEST_JOB_NAME).execute_in_process(
            instance=instance,
            partition_key=request.partition_key,
            run_config=request.run_config,
            asset_selection=request.asset_selection,
            tags=request.tags,
            raise_on_error=False,
        )
        assert landing.success
        # What automation builds after a landing: the models downstream of it, for today.
        graph = definitions.resolve_asset_graph()
        models = AssetSelection.assets(LANDING).downstream().resolve(graph) - {LANDING}
        build = definitions.resolve_job_def(WAREHOUSE_JOB_NAME).execute_in_process(
            instance=instance,
            partition_key=TICK.strftime(DAY_KEY_FORMAT),
            run_config=RUN_LOGGER_CONFIG,
            asset_selection=sorted(models),
            raise_on_error=False,
        )
        assert build.success

    # The run's captures per account: the day of its window so far, and the configured number
    # of days before it, whole, each in its closing window.
    run_window = window_start(request.partition_key)
    captures: dict[tuple[str, date], datetime] = {}
    for merchant in restating_world.merchants:
        today = run_window.astimezone(merchant.tz).date()
        captures[(merchant.google_customer_id, today)] = run_window
        for back in range(1, restated_settings.google_ads_restatement_days + 1):
            day = today - timedelta(days=back)
            captures[(merchant.google_customer_id, day)] = closing_window(
                day, merchant.timezone
            ).start
    assert (new_york.google_customer_id, date(2026, 10, 21)) in captures

    # Every day the run landed is in the marts as Google reports it at the tick, the restated
    # ones included: hour by hour, and per day.
    merchants = {merchant.google_customer_id: merchant for merchant in restating_world.merchants}
    truth = {
        (customer_id, day): _truth_hours(google, merchants[customer_id], day)
        for customer_id, day in captures
    }
    hourly, daily = _mart_hours(restated_settings), _mart_days(restated_settings)
    assert set(hourly) == set(daily) == set(captures)
    for key, hours in truth.items():
        assert hourly[key] == hours, key
        assert daily[key] == _day_totals(hours), key

    # Not vacuous: without the restatements those days would read otherwise.
    unrestated = GoogleAdsWorld.of(World(seed=7, merchants=2, clock=lambda: TICK))
    for day, permille in RESTATEMENTS.items():
        restated_total = _total(daily[(new_york.google_customer_id, day)])
        unrestated_total = _total(_day_totals(_truth_hours(unrestated, new_york, day)))
        assert (restated_total > unrestated_total) == (permille > 1000)
        assert restated_total[1] != unrestated_total[1]

    # The snapshots keep what every capture saw: the shared run's captures as they were, but
    # the closing window of a day this run landed again, which holds what Google reported at
    # the tick, as does every capture this run added.
    snapshots_after = _google_snapshots(restated_settings)
    relanded = {(customer, day, window) for (customer, day), window in captures.items()}
    kept = {key: row for key, row in snapshots_before.items() if key[1:] not in relanded}
    assert kept and {key: snapshots_after[key] for key in kept} == kept
    replaced = set(snapshots_before) - set(kept)
    assert {key[1:] for key in replaced} == {
        (
            new_york.google_customer_id,
            date(2026, 11, 19),
            datetime(2026, 11, 20, 4, 45, tzinfo=UTC),
        ),
        (
            restating_world.merchants[1].google_customer_id,
            date(2026, 11, 19),
            datetime(2026, 11, 19, 22, 45, tzinfo=UTC),
        ),
    }
    landed_now = {key: row for key, row in snapshots_after.items() if key not in kept}
    assert {key[1:] for key in landed_now} == relanded
    for (entity_id, customer_id, day, _), row in landed_now.items():
        seen = tuple(row[f"{metric}_day_to_date"] for metric in METRICS)
        assert seen == _day_totals(truth[(customer_id, day)])[entity_id]


def _truth_hours(google: GoogleAdsWorld, merchant: Merchant, day: date) -> dict[tuple, Figures]:
    """The account-local day's figures per (ad group, hour), as Google reports them now."""
    return {
        (row.ad_group.ad_group_id, row.hour): (
            Decimal(row.metrics.cost_micros).scaleb(-6),
            row.metrics.impressions,
            row.metrics.clicks,
            row.metrics.conversions,
            row.metrics.conversions_value,
        )
        for row in google.ad_group_hours(merchant.google_customer_id, day)
    }


def _day_totals(hours: dict[tuple, Figures]) -> dict[str, Figures]:
    """Per ad group, the sum of its hours."""
    totals: dict[str, Figures] = {}
    for (ad_group_id, _), (spend, impressions, clicks, conversions, value) in hours.items():
        so_far = totals.get(ad_group_id, (Decimal(0), 0, 0, Decimal(0), Decimal(0)))
        totals[ad_group_id] = (
            so_far[0] + spend,
            so_far[1] + impressions,
            so_far[2] + clicks,
            so_far[3] + conversions,
            so_far[4] + value,
        )
    return totals


def _total(by_ad_group: dict[str, Figures]) -> tuple[Decimal, Decimal]:
    """The account's conversions and conversion value."""
    return (
        sum((figures[3] for figures in by_ad_group.values()), Decimal(0)),
        sum((figures[4] for figures in by_ad_group.values()), Decimal(0)),
    )


def _mart_hours(settings: Settings) -> dict[tuple[str, date], dict[tuple, Figures]]:
    """fct_ad_reporting_hourly's Google rows per (customer, day), by (ad group, hour)."""
    hours: dict[tuple[str, date], dict[tuple, Figures]] = defaultdict(dict)
    for row in read_warehouse(
        settings.warehouse_url,
        f"SELECT account_id, date_day, ad_group_id, hour_of_day, {', '.join(METRICS)}"
        " FROM marts.fct_ad_reporting_hourly WHERE platform = 'google_ads'",
    ):
        key = (row["ad_group_id"], row["hour_of_day"])
        hours[(row["account_id"], row["date_day"])][key] = _figures(row)
    return hours


def _mart_days(settings: Settings) -> dict[tuple[str, date], dict[str, Figures]]:
    """fct_ad_reporting_daily's Google rows per (customer, day), by ad group."""
    days: dict[tuple[str, date], dict[str, Figures]] = defaultdict(dict)
    for row in read_warehouse(
        settings.warehouse_url,
        f"SELECT account_id, date_day, ad_group_id, {', '.join(METRICS)}"
        " FROM marts.fct_ad_reporting_daily WHERE platform = 'google_ads'",
    ):
        days[(row["account_id"], row["date_day"])][row["ad_group_id"]] = _figures(row)
    return days


def _google_snapshots(settings: Settings) -> dict[tuple, dict[str, Any]]:
    """fct_metric_snapshots' Google rows, whole, by (ad group, customer, day, capture window)."""
    return {
        (row["ad_entity_id"], row["account_id"], row["report_date"], row["window_start"]): row
        for row in read_warehouse(
            settings.warehouse_url,
            "SELECT * FROM marts.fct_metric_snapshots WHERE provider = 'google_ads'",
        )
    }


def _figures(row: dict[str, Any]) -> Figures:
    return (
        row["spend"],
        row["impressions"],
        row["clicks"],
        row["conversions"],
        row["conversion_value"],
    )
