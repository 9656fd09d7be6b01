"""Restatement that converges, on both ad platforms and both backends: when a platform restates
a past day, its next scheduled restatement run captures the day again and the build it triggers
makes the ad marts equal the platform's restated figures, while the metric snapshots keep what
every capture saw, the day's original closing capture among them.

On a copy of the shared run's warehouse (12 hours landed as of NOW), against a world of the same
seed whose clock the test moves: the day after, at the platform's schedule tick.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
from orchestration.partitions import DAY_KEY_FORMAT, window_start
from simulator.google_ads.world import GoogleAdsWorld
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from simulator.world import World
from stack.simulated import simulated_platform_settings
from tests.helpers import NOW, Clock, closing_window, read_warehouse
from tests.pipeline.conftest import PipelineRun

# The platform restates an hour after the shared run landed: New York's 19th (landed by that
# run, every capture of it in the snapshots, its closing one at 04:45 UTC on the 20th) gains a
# quarter more conversions, and a day far beyond the two the hourly runs restate loses 40% (a
# retraction).
RESTATED_AT = NOW + timedelta(hours=1)
SEEN_DAY = date(2026, 11, 19)
RESTATEMENTS = {SEEN_DAY: 1_250, date(2026, 11, 10): 600}
METRICS = ("spend", "impressions", "clicks", "conversions", "conversion_value")
# Per ad entity: spend (account currency), impressions, clicks, conversions, conversion value.
Figures = tuple[Decimal, int, int, Decimal, Decimal]
# Per (ad entity id, account-local hour).
Hours = dict[tuple[str, int], Figures]


@dataclass(frozen=True)
class Platform:
    """What the test needs of one ad platform: its schedule, and the world's truth and knob."""

    provider: str
    schedule: str
    landing: AssetKey
    # The schedule's next tick after RESTATED_AT.
    tick: datetime
    restatement_days: Callable[[Settings], int]
    account_id: Callable[[Merchant], str]
    # The account-local day's figures per (entity, hour), as of a moment (default the clock).
    truth: Callable[[World, Merchant, date, datetime | None], Hours]
    restate: Callable[[World, Merchant, date, int], None]
    # Run config of the landing run's resources, on top of the schedule's request.
    resources_config: Callable[[Settings], dict[str, Any]] = lambda settings: {}


def _meta_truth(world: World, merchant: Merchant, day: date, as_of: datetime | None) -> Hours:
    return {
        (row.ad.ad_id, row.hour_of_day): (
            row.delivery.spend,
            row.delivery.impressions,
            row.delivery.link_clicks,
            Decimal(row.delivery.purchases),
            row.delivery.purchase_value,
        )
        for row in world.meta.ad_hours(merchant.meta_account_id, day, as_of=as_of)
    }


def _google_truth(world: World, merchant: Merchant, day: date, as_of: datetime | None) -> Hours:
    google = GoogleAdsWorld.of(world)
    return {
        (row.ad_group.ad_group_id, row.hour): (
            Decimal(row.metrics.cost_micros).scaleb(-6),
            row.metrics.impressions,
            row.metrics.clicks,
            row.metrics.conversions,
            row.metrics.conversions_value,
        )
        for row in google.ad_group_hours(merchant.google_customer_id, day, as_of=as_of)
    }


PLATFORMS = {
    "meta": Platform(
        provider="meta_ads",
        schedule="meta_restatement",
        landing=AssetKey(["raw", "meta_ads_insights_hourly"]),
        # 03:30 UTC lands the 03:00 window and the 28 days before.
        tick=datetime(2026, 11, 21, 3, 30, tzinfo=UTC),
        restatement_days=lambda settings: settings.meta_ads_restatement_days,
        account_id=lambda merchant: merchant.meta_account_id,
        truth=_meta_truth,
        restate=lambda world, merchant, day, permille: world.meta.restate_purchases(
            merchant.meta_account_id, day, permille
        ),
        # Spans of more than 3 days are read through async report runs, which the simulator
        # completes on the third poll: polled every 5 seconds, the 28 days would take a minute.
        resources_config=lambda settings: {
            "meta_ads_api": {
                "config": {
                    "base_url": settings.meta_api_base_url,
                    "api_version": settings.meta_api_version,
                    "report_poll_seconds": 0.01,
                }
            }
        },
    ),
    "google": Platform(
        provider="google_ads",
        schedule="google_ads_restatement",
        landing=AssetKey(["raw", "google_ads_ad_group_hourly"]),
        # 03:45 UTC lands the 03:15 window and the 30 days before.
        tick=datetime(2026, 11, 21, 3, 45, tzinfo=UTC),
        restatement_days=lambda settings: settings.google_ads_restatement_days,
        account_id=lambda merchant: merchant.google_customer_id,
        truth=_google_truth,
        restate=lambda world, merchant, day, permille: GoogleAdsWorld.of(world).restate_conversions(
            merchant.google_customer_id, day, permille
        ),
    ),
}


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


@pytest.mark.parametrize("platform", PLATFORMS.values(), ids=PLATFORMS.keys())
def test_a_restated_day_reaches_the_marts_and_the_snapshots_keep_every_capture(
    platform: Platform,
    restated_settings: Settings,
    restating_world: World,
    restating_clock: Clock,
) -> None:
    new_york = restating_world.merchants[0]
    merchants = {platform.account_id(merchant): merchant for merchant in restating_world.merchants}
    snapshots_before = _snapshots(restated_settings, platform)
    closing = closing_window(SEEN_DAY, new_york.timezone).start
    seen_at_closing = {
        key: row
        for key, row in snapshots_before.items()
        if key[1:] == (platform.account_id(new_york), SEEN_DAY, closing)
    }
    assert seen_at_closing, "the shared run captured the day's close"

    restating_clock.now = RESTATED_AT
    for day, permille in RESTATEMENTS.items():
        platform.restate(restating_world, new_york, day, permille)
    restating_clock.now = platform.tick
    run_window = _run_the_scheduled_restatement(restated_settings, platform)

    # The run's captures per account, all in its window's slice: the day of its window so far,
    # and the configured number of days before it, whole.
    captured: set[tuple[str, date]] = set()
    for account_id, merchant in merchants.items():
        today = run_window.astimezone(merchant.tz).date()
        days_back = range(platform.restatement_days(restated_settings) + 1)
        captured |= {(account_id, today - timedelta(days=back)) for back in days_back}
    assert {(platform.account_id(new_york), day) for day in RESTATEMENTS} <= captured

    # Every day the run landed is in the marts as the platform reports it at the tick, the
    # restated ones included: hour by hour, and per day.
    truth = {
        (account_id, day): platform.truth(restating_world, merchants[account_id], day, None)
        for account_id, day in captured
    }
    hourly, daily = (
        _mart_hours(restated_settings, platform),
        _mart_days(restated_settings, platform),
    )
    assert set(hourly) == set(daily) == captured
    for key, hours in truth.items():
        assert hourly[key] == hours, key
        assert daily[key] == _day_totals(hours), key

    # Not vacuous: the restated days read otherwise than the shared run saw them (at NOW,
    # before the restatements), the way they were restated.
    for day, permille in RESTATEMENTS.items():
        unrestated = platform.truth(restating_world, new_york, day, NOW)
        restated_total = _conversions(daily[(platform.account_id(new_york), day)])
        unrestated_total = _conversions(_day_totals(unrestated))
        assert (restated_total > unrestated_total) == (permille > 1000), day
        assert (restated_total < unrestated_total) == (permille < 1000), day

    # The snapshots keep what every capture saw: each one of the shared run's as it was, the
    # 19th's closing capture with its pre-restatement figures (what the world reported at NOW,
    # when that run landed it); the run added one capture per (entity, day) it landed, in its
    # window, with what the platform reported at the tick.
    snapshots_after = _snapshots(restated_settings, platform)
    assert {key: snapshots_after[key] for key in snapshots_before} == snapshots_before
    seen_then = _day_totals(platform.truth(restating_world, new_york, SEEN_DAY, NOW))
    for (entity_id, *_), row in seen_at_closing.items():
        assert _day_to_date(row) == seen_then[entity_id]
    landed_now = {key: row for key, row in snapshots_after.items() if key not in snapshots_before}
    assert {(account_id, day) for _, account_id, day, _ in landed_now} == captured
    assert {window for *_, window in landed_now} == {run_window}
    for (entity_id, account_id, day, _), row in landed_now.items():
        assert _day_to_date(row) == _day_totals(truth[(account_id, day)])[entity_id]
    restated_now = _day_totals(truth[(platform.account_id(new_york), SEEN_DAY)])
    assert _conversions(restated_now) != _conversions(seen_then)


def _run_the_scheduled_restatement(settings: Settings, platform: Platform) -> datetime:
    """The run the platform's schedule requests at its tick, then the build automation starts
    after it (the models downstream of the landing, for today); returns the run's window."""
    definitions = build_definitions(settings)
    context = build_schedule_context(
        repository_def=definitions.get_repository_def(), scheduled_execution_time=platform.tick
    )
    [request] = (
        definitions.resolve_schedule_def(platform.schedule).evaluate_tick(context).run_requests
    )
    with DagsterInstance.ephemeral() as instance:
        landing = definitions.resolve_job_def(INGEST_JOB_NAME).execute_in_process(
            instance=instance,
            partition_key=request.partition_key,
            run_config={**request.run_config, "resources": platform.resources_config(settings)},
            asset_selection=request.asset_selection,
            tags=request.tags,
            raise_on_error=False,
        )
        assert landing.success
        graph = definitions.resolve_asset_graph()
        models = AssetSelection.assets(platform.landing).downstream().resolve(graph)
        build = definitions.resolve_job_def(WAREHOUSE_JOB_NAME).execute_in_process(
            instance=instance,
            partition_key=platform.tick.strftime(DAY_KEY_FORMAT),
            run_config=RUN_LOGGER_CONFIG,
            asset_selection=sorted(models - {platform.landing}),
            raise_on_error=False,
        )
        assert build.success
    return window_start(request.partition_key)


def _day_totals(hours: Hours) -> dict[str, Figures]:
    """Per ad entity, the sum of its hours."""
    totals: dict[str, Figures] = {}
    for (entity_id, _), (spend, impressions, clicks, conversions, value) in hours.items():
        so_far = totals.get(entity_id, (Decimal(0), 0, 0, Decimal(0), Decimal(0)))
        totals[entity_id] = (
            so_far[0] + spend,
            so_far[1] + impressions,
            so_far[2] + clicks,
            so_far[3] + conversions,
            so_far[4] + value,
        )
    return totals


def _conversions(by_entity: dict[str, Figures]) -> tuple[Decimal, Decimal]:
    """The account's conversions and conversion value."""
    return (
        sum((figures[3] for figures in by_entity.values()), Decimal(0)),
        sum((figures[4] for figures in by_entity.values()), Decimal(0)),
    )


def _mart_hours(settings: Settings, platform: Platform) -> dict[tuple[str, date], Hours]:
    """fct_ad_reporting_hourly's rows of the platform per (account, day), by (entity, hour)."""
    hours: dict[tuple[str, date], Hours] = defaultdict(dict)
    for row in read_warehouse(
        settings.warehouse_url,
        "SELECT account_id, date_day, coalesce(ad_id, ad_group_id) AS entity_id, hour_of_day, "
        f"{', '.join(METRICS)} FROM marts.fct_ad_reporting_hourly WHERE platform = :platform",
        {"platform": platform.provider},
    ):
        key = (row["entity_id"], row["hour_of_day"])
        hours[(row["account_id"], row["date_day"])][key] = _figures(row)
    return hours


def _mart_days(
    settings: Settings, platform: Platform
) -> dict[tuple[str, date], dict[str, Figures]]:
    """fct_ad_reporting_daily's rows of the platform per (account, day), by entity."""
    days: dict[tuple[str, date], dict[str, Figures]] = defaultdict(dict)
    for row in read_warehouse(
        settings.warehouse_url,
        "SELECT account_id, date_day, coalesce(ad_id, ad_group_id) AS entity_id, "
        f"{', '.join(METRICS)} FROM marts.fct_ad_reporting_daily WHERE platform = :platform",
        {"platform": platform.provider},
    ):
        days[(row["account_id"], row["date_day"])][row["entity_id"]] = _figures(row)
    return days


def _snapshots(settings: Settings, platform: Platform) -> dict[tuple, dict[str, Any]]:
    """fct_metric_snapshots' rows of the platform, whole, by (entity, account, day, capture
    window)."""
    return {
        (row["ad_entity_id"], row["account_id"], row["report_date"], row["window_start"]): row
        for row in read_warehouse(
            settings.warehouse_url,
            "SELECT * FROM marts.fct_metric_snapshots WHERE provider = :provider",
            {"provider": platform.provider},
        )
    }


def _figures(row: dict[str, Any], suffix: str = "") -> Figures:
    spend, impressions, clicks, conversions, value = (row[metric + suffix] for metric in METRICS)
    return spend, impressions, clicks, conversions, value


def _day_to_date(row: dict[str, Any]) -> Figures:
    """What a snapshot row's capture saw of its day."""
    return _figures(row, "_day_to_date")
