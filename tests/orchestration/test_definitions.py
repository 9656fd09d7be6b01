"""Pins what the code location promises, so an accidental change to the graph fails loudly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from dagster import (
    AssetKey,
    Definitions,
    RunRequest,
    build_schedule_context,
    validate_run_config,
)

from metricx.settings import PROJECT_ROOT, Settings, get_settings
from orchestration.definitions import build_definitions
from orchestration.defs.google_ads.assets import GoogleAdsLandingConfig
from orchestration.defs.meta_ads.assets import MetaAdsInsightsConfig
from orchestration.event_bookkeeping import EVENT_BOOKKEEPING_ENV
from orchestration.jobs import INGEST_JOB_NAME, WAREHOUSE_JOB_NAME
from orchestration.lib.restatement import RestatementConfig, day_captures
from orchestration.lib.windows import WINDOW, Window
from orchestration.partitions import (
    daily_partitions,
    fifteen_minute_partitions,
    latest_complete_window_key,
    window_key,
    window_start,
)
from tests.orchestration.snapshot import SNAPSHOT, current

LANDING_KEYS = {
    AssetKey(["raw", "meta_ads_insights_hourly"]),
    AssetKey(["raw", "meta_ads_entities"]),
    AssetKey(["raw", "google_ads_ad_group_hourly"]),
    AssetKey(["raw", "google_ads_entities"]),
    AssetKey(["raw", "shopify_orders"]),
    AssetKey(["raw", "shopify_pixel_events"]),
}


def test_the_graph_is_the_pinned_one() -> None:
    """Every asset (the dbt models' keys from the manifest), its group, partitions and checks,
    every job, schedule (with cron) and sensor. After an intended change, rewrite the pin with
    `python -m tests.orchestration.snapshot` and review its diff."""
    assert current() == json.loads(SNAPSHOT.read_text())


def test_landing_assets_feed_the_models(defs: Definitions) -> None:
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    assert keys >= LANDING_KEYS
    marts = {key for key in keys if key.path[0] == "marts"}
    assert marts, "the dbt marts are assets"
    upstream_of_marts = set().union(
        *(graph.get(key).parent_keys for key in keys if key not in LANDING_KEYS)
    )
    assert AssetKey(["raw", "meta_ads_insights_hourly"]) in upstream_of_marts


def test_partitions_are_15_minute_windows_for_landing_and_days_for_models(
    defs: Definitions,
) -> None:
    windows = fifteen_minute_partitions(get_settings().partitions_start)
    assert windows.cron_schedule == "*/15 * * * *"
    assert windows.timezone == "UTC"
    assert windows.start == datetime(2026, 8, 1, tzinfo=UTC)
    first_day = windows.get_partition_keys_between_indexes(0, 96)
    assert first_day[0] == "2026-08-01-00:00" and first_day[-1] == "2026-08-01-23:45"
    # Complete windows only: a running window partition would hold today's models until it
    # ended (tests/orchestration/test_run_queue.py); order webhooks land it without one.
    assert windows.end_offset == 0

    days = daily_partitions(get_settings().partitions_start)
    assert days.start == datetime(2026, 8, 1, tzinfo=UTC)
    # Today is a partition while it runs, so the marts refresh all day.
    assert days.end_offset == 1
    assert defs.resolve_job_def(INGEST_JOB_NAME).partitions_def == windows
    assert defs.resolve_job_def(WAREHOUSE_JOB_NAME).partitions_def == days


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-11-20T10:02:00", "2026-11-20-09:45"),
        ("2026-11-20T10:16:59", "2026-11-20-09:45"),
        ("2026-11-20T10:17:00", "2026-11-20-10:00"),
        ("2026-11-21T00:02:00", "2026-11-20-23:45"),
    ],
)
def test_latest_window_waits_for_platform_lag(at: str, expected: str) -> None:
    assert latest_complete_window_key(datetime.fromisoformat(at).replace(tzinfo=UTC)) == expected


def test_partitions_follow_the_settings_passed() -> None:
    later = build_definitions(Settings(partitions_start="2026-09-15"))
    windows, days = fifteen_minute_partitions("2026-09-15"), daily_partitions("2026-09-15")
    assert windows.start == days.start == datetime(2026, 9, 15, tzinfo=UTC)
    assert later.resolve_job_def(INGEST_JOB_NAME).partitions_def == windows
    assert later.resolve_job_def(WAREHOUSE_JOB_NAME).partitions_def == days
    graph = later.resolve_asset_graph()
    used = {graph.get(key).partitions_def for key in graph.materializable_asset_keys}
    assert used == {windows, days, None}


def test_importing_and_building_the_code_location_changes_nothing() -> None:
    """No environment variable set, no Sentry client started: the entry points apply the
    Dagster switches (orchestration.event_bookkeeping), the sensor starts Sentry when it runs."""
    probe = (
        "import os, sentry_sdk\n"
        "from metricx.settings import Settings\n"
        "from orchestration.definitions import build_definitions\n"
        "before = dict(os.environ)\n"
        "build_definitions(Settings(sentry_dsn='https://key@sentry.invalid/1'))\n"
        "assert dict(os.environ) == before, set(os.environ.items()) ^ set(before.items())\n"
        "assert not sentry_sdk.get_client().is_active()\n"
    )
    env = {name: value for name, value in os.environ.items() if name not in EVENT_BOOKKEEPING_ENV}
    subprocess.run(
        [sys.executable, "-W", "ignore", "-c", probe], cwd=PROJECT_ROOT, env=env, check=True
    )


def test_schedules_request_one_valid_run_per_tick(defs: Definitions) -> None:
    schedules = {schedule.name: schedule for schedule in defs.schedules}
    assert {name: s.cron_schedule for name, s in schedules.items()} == {
        "ingest_latest_window": "2,17,32,47 * * * *",
        "meta_restatement": "30 3 * * *",
        "google_ads_restatement": "45 3 * * *",
        "warehouse_daily": "30 0 * * *",
    }
    ingest_job = defs.resolve_job_def(INGEST_JOB_NAME)
    # Each tick is too early for the window before the last (it ended less than PLATFORM_LAG
    # ago).
    for name, tick, window in (
        ("ingest_latest_window", "03:30", "03:00"),
        ("meta_restatement", "03:30", "03:00"),
        ("google_ads_restatement", "03:45", "03:15"),
    ):
        request = _request(defs, name, datetime.fromisoformat(f"2026-11-20T{tick}+00:00"))
        assert request.partition_key == f"2026-11-20-{window}"
        validate_run_config(ingest_job, request.run_config)


@pytest.mark.parametrize(
    ("schedule_name", "landing", "setting", "default_days", "config_cls"),
    [
        (
            "meta_restatement",
            "meta_ads_insights_hourly",
            "meta_ads_restatement_days",
            28,
            MetaAdsInsightsConfig,
        ),
        (
            "google_ads_restatement",
            "google_ads_ad_group_hourly",
            "google_ads_restatement_days",
            30,
            GoogleAdsLandingConfig,
        ),
    ],
)
def test_restatement_schedules_re_land_the_configured_window(
    defs: Definitions,
    monkeypatch: pytest.MonkeyPatch,
    schedule_name: str,
    landing: str,
    setting: str,
    default_days: int,
    config_cls: type[RestatementConfig],
) -> None:
    """A platform's daily restatement lands its latest window and, whole in that window's
    slice, the configured number of days before it: the platform's window by default, and
    what METRICX_<PLATFORM>_RESTATEMENT_DAYS says when set."""
    tick = datetime(2026, 11, 20, 3, 45, tzinfo=UTC)
    landing_key = AssetKey(["raw", landing])

    def relanded_windows(definitions: Definitions) -> list[tuple[str, date]]:
        """The captures a run of the tick's request lands, for an account on UTC: the window
        partition whose slice holds each, and its day."""
        request = _request(definitions, schedule_name, tick)
        assert request.asset_selection == [landing_key]
        validate_run_config(definitions.resolve_job_def(INGEST_JOB_NAME), request.run_config)
        # What the landing asset makes of the request: its window, and the restated days'.
        config = config_cls(
            **request.run_config["ops"][landing_key.to_python_identifier()]["config"]
        )
        start = window_start(request.partition_key)
        windows = [Window(start, start + WINDOW)]
        captures, _ = day_captures(windows, "UTC", config.days_to_restate(windows))
        return [(window_key(capture.window.start), capture.day) for capture in captures]

    def expected(days: int) -> list[tuple[str, date]]:
        # The 20th so far and each day before it, all in the tick's window.
        return [
            ("2026-11-20-03:15", date(2026, 11, 20) - timedelta(days=back))
            for back in range(days, -1, -1)
        ]

    assert relanded_windows(defs) == expected(default_days)
    monkeypatch.setenv(f"METRICX_{setting.upper()}", "5")
    assert relanded_windows(build_definitions(Settings())) == expected(5)
    with pytest.raises(ValueError, match=f"The {schedule_name} schedule cannot restate"):
        build_definitions(Settings(**{setting: default_days + 70}))


def _request(definitions: Definitions, schedule_name: str, tick: datetime) -> RunRequest:
    context = build_schedule_context(
        repository_def=definitions.get_repository_def(), scheduled_execution_time=tick
    )
    [request] = definitions.resolve_schedule_def(schedule_name).evaluate_tick(context).run_requests
    return request


@pytest.mark.parametrize(
    ("tick", "day"),
    [("2026-11-20T00:30:00", "2026-11-19"), ("2026-12-01T00:30:00", "2026-11-30")],
)
def test_the_daily_schedule_builds_every_model_for_yesterday(
    defs: Definitions, tick: str, day: str
) -> None:
    schedule = defs.resolve_schedule_def("warehouse_daily")
    warehouse_job = defs.resolve_job_def(WAREHOUSE_JOB_NAME)
    assert schedule.job_name == WAREHOUSE_JOB_NAME
    context = build_schedule_context(
        repository_def=defs.get_repository_def(),
        scheduled_execution_time=datetime.fromisoformat(tick).replace(tzinfo=UTC),
    )
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == day
    # The whole job: every model (snapshot compaction, attribution) and the workspace settings.
    assert request.asset_selection is None
    assert warehouse_job.asset_layer.executable_asset_keys >= {
        AssetKey(["marts", "fct_metric_snapshots"]),
        AssetKey(["marts", "fct_attribution_credits"]),
        AssetKey(["raw", "app_workspaces"]),
    }
    # One run per day, however often the tick is retried.
    assert request.run_key == f"warehouse-daily-{day}"
