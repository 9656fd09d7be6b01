"""The Google Ads landing asset: from the simulated API through Dagster into the raw table, on
DuckDB and PostgreSQL, checked against the world to the micro."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from dagster import DagsterInstance, ExecuteInProcessResult, materialize
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from metricx.settings import Settings
from orchestration.definitions import build_resources
from orchestration.defs.google_ads.assets import google_ads_ad_group_hourly
from orchestration.lib.windows import WINDOW
from orchestration.partitions import window_key
from simulator.google_ads.world import GoogleAdsWorld, RowCorruption
from simulator.merchants import Merchant
from simulator.world import World
from stack.demo import seed_demo_workspaces
from tests.helpers import NOW, Clock, read_warehouse
from warehouse.appdb.credentials import load_cipher
from warehouse.appdb.models import Provider
from warehouse.appdb.session import open_session
from warehouse.appdb.upserts import upsert_connection

# 03:00 in New York (demo-1), 09:00 in Berlin (demo-2); the world is at 08:07 UTC.
WINDOW_START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
RESTATEMENT_DAYS = 2
RAW = "raw.google_ads_ad_group_hourly"


@dataclass
class Landing:
    settings: Settings
    workspace_ids: dict[str, str]  # by merchant slug

    def read(self, sql: str, params: dict | None = None) -> list[dict]:
        return read_warehouse(self.settings.warehouse_url, sql, params)

    def materialize(
        self, window_start: datetime, last_window_start: datetime | None = None
    ) -> ExecuteInProcessResult:
        """Land the windows from `window_start` to `last_window_start`, in one run."""
        last = last_window_start or window_start
        keys = {
            ASSET_PARTITION_RANGE_START_TAG: window_key(window_start),
            ASSET_PARTITION_RANGE_END_TAG: window_key(last),
        }
        with DagsterInstance.ephemeral() as instance:
            return materialize(
                [google_ads_ad_group_hourly(self.settings.partitions_start)],
                resources=build_resources(self.settings),
                instance=instance,
                tags=keys,
                raise_on_error=False,
            )


@pytest.fixture(scope="module")
def world(clock: Clock) -> World:
    return World(seed=7, merchants=2, clock=clock)


@pytest.fixture(scope="module")
def google(world: World) -> GoogleAdsWorld:
    return GoogleAdsWorld.of(world)


@pytest.fixture(autouse=True)
def reset_world(clock: Clock, google: GoogleAdsWorld) -> Iterator[None]:
    yield
    clock.now = NOW
    google.faults.clear()


@pytest.fixture
def landing(landing_settings: Settings, world: World) -> Landing:
    return Landing(landing_settings, seed_demo_workspaces(landing_settings, world))


def truth_rows(
    google: GoogleAdsWorld,
    merchant: Merchant,
    window_start: datetime,
    *,
    restated: date | None = None,
) -> set[tuple]:
    """What the window's slice must hold of a day, as the world reports it now: its own local
    day up to the window's hour, or a day it restated, whole."""
    local = window_start.astimezone(merchant.tz)
    rows = google.ad_group_hours(merchant.google_customer_id, restated or local.date())
    return {
        (
            row.ad_group.ad_group_id,
            row.local_date,
            row.hour,
            row.metrics.cost_micros,
            row.metrics.impressions,
            row.metrics.clicks,
            row.metrics.conversions,
            row.metrics.conversions_value,
        )
        for row in rows
        if restated or row.hour <= local.hour
    }


def landed_rows(
    landing: Landing, merchant: Merchant, window_start: datetime, *, restated: date | None = None
) -> set[tuple]:
    """The window's capture of its own local day, or of a day it restated."""
    day = restated or window_start.astimezone(merchant.tz).date()
    rows = landing.read(
        f"SELECT ad_group_id, segment_date, segment_hour, cost_micros, impressions, clicks, "
        f"conversions, conversions_value FROM {RAW} "
        "WHERE workspace_id = :workspace_id AND window_start = :window_start "
        "AND segment_date = :day",
        {
            "workspace_id": landing.workspace_ids[merchant.slug],
            "window_start": window_start,
            "day": day,
        },
    )
    return {tuple(row.values()) for row in rows}


def counts(landing: Landing) -> dict:
    return landing.read(
        f"SELECT (SELECT count(*) FROM {RAW}) AS raw_rows,"
        " (SELECT count(*) FROM raw.landing_log) AS slices,"
        " (SELECT count(*) FROM raw.capture_log) AS captured_days,"
        " (SELECT count(*) FROM raw.quarantine) AS quarantined,"
        f" (SELECT sum(cost_micros) FROM {RAW}) AS cost_micros"
    )[0]


def latest_capture(landing: Landing, merchant: Merchant, column: str) -> dict[date, Decimal]:
    """Per local day, the total of `column` in the latest capture holding that day."""
    rows = landing.read(
        f"SELECT segment_date, sum({column}) AS total FROM {RAW} AS r "
        "WHERE workspace_id = :workspace_id AND window_start = ("
        f"  SELECT max(window_start) FROM {RAW} AS later"
        "   WHERE later.connection_id = r.connection_id AND later.segment_date = r.segment_date"
        ") GROUP BY segment_date",
        {"workspace_id": landing.workspace_ids[merchant.slug]},
    )
    return {row["segment_date"]: Decimal(row["total"]) for row in rows}


def test_a_window_lands_the_day_so_far_and_each_restated_day_whole_beside_it(
    landing: Landing, world: World, google: GoogleAdsWorld
) -> None:
    result = landing.materialize(WINDOW_START)
    assert result.success
    for merchant in world.merchants:
        expected = truth_rows(google, merchant, WINDOW_START)
        assert len(expected) > 10
        assert landed_rows(landing, merchant, WINDOW_START) == expected
        local_day = WINDOW_START.astimezone(merchant.tz).date()
        restated_days = [local_day - timedelta(days=n) for n in range(1, RESTATEMENT_DAYS + 1)]
        restated_cost = google.cost_micros_by_day(
            merchant.google_customer_id, restated_days[-1], restated_days[0]
        )
        for day in restated_days:
            landed = landed_rows(landing, merchant, WINDOW_START, restated=day)
            assert landed == truth_rows(google, merchant, WINDOW_START, restated=day)
            assert sum(row[3] for row in landed) == restated_cost[day]
        # The slice holds those days and nothing else, as its capture log says.
        captured = landing.read(
            "SELECT captured_day, row_count FROM raw.capture_log"
            " WHERE workspace_id = :workspace_id AND window_start = :window_start",
            {"workspace_id": landing.workspace_ids[merchant.slug], "window_start": WINDOW_START},
        )
        assert {row["captured_day"]: row["row_count"] for row in captured} == {
            day: len(landed_rows(landing, merchant, WINDOW_START, restated=day))
            for day in (local_day, *restated_days)
        }
        assert (
            sum(row["row_count"] for row in captured)
            == landing.read(
                f"SELECT count(*) AS n FROM {RAW}"
                " WHERE workspace_id = :workspace_id AND window_start = :window_start",
                {
                    "workspace_id": landing.workspace_ids[merchant.slug],
                    "window_start": WINDOW_START,
                },
            )[0]["n"]
        )
    metadata = materialization_metadata(result)
    assert (metadata["connections"], metadata["failed_connections"]) == (2, 0)
    assert metadata["restatement_days"] == RESTATEMENT_DAYS


def test_re_running_a_window_replaces_exactly_its_slices(landing: Landing) -> None:
    assert landing.materialize(WINDOW_START).success
    before = counts(landing)
    # Per connection: the window's slice, holding its day and the restated days.
    assert before["raw_rows"] > 0 and before["slices"] == 2
    assert before["captured_days"] == 2 * (1 + RESTATEMENT_DAYS)
    assert landing.materialize(WINDOW_START).success
    assert counts(landing) == before


def test_a_range_lands_one_capture_per_window_across_local_midnight(
    landing: Landing, world: World, google: GoogleAdsWorld
) -> None:
    # New York's midnight is 05:00 UTC: the range holds the end of the 19th and start of the 20th.
    # Its last window starts at 05:15, off the hour: the run does not restate.
    first, last = (
        datetime(2026, 11, 20, 4, 30, tzinfo=UTC),
        datetime(2026, 11, 20, 5, 15, tzinfo=UTC),
    )
    result = landing.materialize(first, last)
    assert result.success
    assert materialization_metadata(result)["restatement_days"] == 0
    new_york = world.merchants[0]
    windows = [first + n * WINDOW for n in range(4)]
    assert counts(landing)["slices"] == 2 * len(windows)
    for window_start in windows:
        assert landed_rows(landing, new_york, window_start) == truth_rows(
            google, new_york, window_start
        )
    assert {row[1] for row in landed_rows(landing, new_york, windows[0])} == {date(2026, 11, 19)}


def test_late_conversions_update_past_days_when_a_later_run_restates_them(
    landing: Landing, world: World, google: GoogleAdsWorld, clock: Clock
) -> None:
    new_york = world.merchants[0]
    yesterday = date(2026, 11, 19)
    assert landing.materialize(WINDOW_START).success
    conversions_then = latest_capture(landing, new_york, "conversions")[yesterday]
    cost_then = latest_capture(landing, new_york, "cost_micros")[yesterday]

    clock.now = NOW + timedelta(days=1)
    assert landing.materialize(WINDOW_START + timedelta(days=1)).success
    conversions_now = latest_capture(landing, new_york, "conversions")[yesterday]
    truth_now = sum(
        (
            row.metrics.conversions
            for row in google.ad_group_hours(new_york.google_customer_id, yesterday)
        ),
        Decimal(0),
    )
    assert conversions_now == truth_now > conversions_then
    assert latest_capture(landing, new_york, "cost_micros")[yesterday] == cost_then


def test_malformed_rows_are_quarantined_with_the_last_window(
    landing: Landing, world: World, google: GoogleAdsWorld
) -> None:
    google.faults.corrupt_rows(2, RowCorruption.NON_NUMERIC_COST)
    result = landing.materialize(WINDOW_START)
    assert result.success
    assert materialization_metadata(result)["rows_quarantined"] == 2
    quarantined = landing.read("SELECT reason, window_start, payload FROM raw.quarantine")
    assert [row["reason"] for row in quarantined] == [
        "metrics.costMicros: Input should be a valid integer, got 'n/a'"
    ] * 2
    assert {row["window_start"] for row in quarantined} == {WINDOW_START}
    logged = landing.read(
        "SELECT sum(quarantined_count) AS n FROM raw.landing_log WHERE source_table = :table",
        {"table": "google_ads_ad_group_hourly"},
    )
    assert logged[0]["n"] == 2


def test_a_revoked_connection_asks_for_a_reconnect_without_failing_the_others(
    landing: Landing, world: World, google: GoogleAdsWorld
) -> None:
    with open_session(landing.settings.app_database_url) as session, session.begin():
        revoked = upsert_connection(
            session,
            workspace_id=landing.workspace_ids[world.merchants[1].slug],
            provider=Provider.GOOGLE_ADS,
            external_account_id="9999999999",
            display_name="A revoked Google Ads connection",
            credentials={"refresh_token": "1//revoked"},
            cipher=load_cipher(landing.settings),
        ).id
    result = landing.materialize(WINDOW_START)
    # A retry cannot fix a revoked grant: the run succeeds and names the connection instead.
    assert result.success
    metadata = materialization_metadata(result)
    assert metadata["failed_connections"] == 1
    assert metadata["connections_needing_reconnect"] == [revoked]
    [outcome] = [o for o in metadata["outcomes"] if o["connection_id"] == revoked]
    assert outcome["needs_reconnect"] and "reconnect Google Ads" in outcome["error"]
    for merchant in world.merchants:
        assert landed_rows(landing, merchant, WINDOW_START) == truth_rows(
            google, merchant, WINDOW_START
        )


def materialization_metadata(result: ExecuteInProcessResult) -> dict:
    # A range run reports one materialization per window, all with the run's metadata.
    event = result.get_asset_materialization_events()[0]
    metadata = event.materialization.metadata
    return {key: value.value for key, value in metadata.items()}
