"""One connection's Meta sync into a real warehouse, checked against the world: storms, late
purchases restated, quarantined rows, expired tokens, currency changes, entities."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.defs.meta_ads.sync import sync_entities, sync_insights
from orchestration.lib.outcomes import ConnectionOutcome
from orchestration.lib.resources import SyncTarget
from orchestration.lib.restatement import WHOLE_DAY, Capture, day_captures, restatement_due
from orchestration.lib.windows import Window, windows_between
from simulator.merchants import Merchant
from simulator.meta_ads.faults import MetaFault, RowDefect
from simulator.server import SimulatorServer
from simulator.world import World
from tests.connectors.meta_ads_support import NOW, Clock, make_client, truth
from warehouse.connection import Warehouse, open_warehouse


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def world(clock: Clock) -> World:
    return World(clock=clock)


@pytest.fixture(autouse=True)
def fresh_knobs(world: World, clock: Clock) -> Iterator[None]:
    yield
    world.faults.clear()
    clock.now = NOW


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    landing = open_warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    landing.ensure_raw_schema()
    yield landing
    landing.close()


def target(merchant: Merchant) -> SyncTarget:
    return SyncTarget(
        connection_id=f"conn-{merchant.slug}",
        workspace_id=f"ws-{merchant.slug}",
        external_account_id=merchant.meta_account_id,
        display_name=merchant.name,
        decrypted_credentials={"access_token": merchant.meta_access_token},
        settings={},
    )


def sync(
    server: SimulatorServer,
    merchant: Merchant,
    windows: list[Window],
    warehouse: Warehouse,
    *,
    restatement_days: int = 0,
    timeout: float = 10.0,
    max_retries: int = 5,
) -> ConnectionOutcome:
    with make_client(
        server, merchant, page_size=100, max_retries=max_retries, timeout=timeout
    ) as client:
        return sync_insights(
            target(merchant), client, windows, warehouse, restatement_days=restatement_days
        )


def slice_rows(
    warehouse: Warehouse, merchant: Merchant, window: Window, day: date | None = None
) -> list[tuple]:
    """The window's slice; with `day`, its capture of that account-local day (the window's own
    by default)."""
    day = day or window.local_day_and_hour(merchant.timezone)[0]
    rows = warehouse.fetch_all(
        "SELECT date_start, ad_id, hour_of_day, spend, impressions, link_clicks, purchases, "
        "purchase_value, currency FROM raw.meta_ads_insights_hourly "
        "WHERE connection_id = :connection_id AND window_start = :window_start "
        "AND date_start = :day ORDER BY ad_id, hour_of_day",
        {"connection_id": target(merchant).connection_id, "window_start": window.start, "day": day},
    )
    return [tuple(row.values()) for row in rows]


def latest_capture_rows(warehouse: Warehouse, merchant: Merchant, day: date) -> list[tuple]:
    """The day as `fct_ad_performance_daily` reads it: the rows of the latest capture holding
    the day, across every slice of the connection."""
    rows = warehouse.fetch_all(
        "SELECT date_start, ad_id, hour_of_day, spend, impressions, link_clicks, purchases, "
        "purchase_value, currency FROM raw.meta_ads_insights_hourly AS hourly "
        "WHERE connection_id = :connection_id AND date_start = :day AND window_start = ("
        "  SELECT max(window_start) FROM raw.meta_ads_insights_hourly "
        "  WHERE connection_id = :connection_id AND date_start = :day) "
        "ORDER BY ad_id, hour_of_day",
        {"connection_id": target(merchant).connection_id, "day": day},
    )
    return [tuple(row.values()) for row in rows]


def expected_capture(world: World, merchant: Merchant, window: Window) -> list[tuple]:
    day, hour = window.local_day_and_hour(merchant.timezone)
    return [row for row in truth(world, merchant.meta_account_id, day) if row[2] <= hour]


def test_a_storm_of_throttles_and_server_errors_still_lands_every_window_exactly_once(
    server: SimulatorServer, world: World, warehouse: Warehouse
) -> None:
    # 02:00-06:00 UTC crosses local midnight in New York and runs through Berlin's morning.
    windows = list(
        windows_between(datetime(2026, 8, 10, 2, tzinfo=UTC), datetime(2026, 8, 10, 6, tzinfo=UTC))
    )
    for merchant in world.merchants:
        for kind in (MetaFault.THROTTLE, MetaFault.SERVER_ERROR) * 3:
            world.faults.fail_meta(2, kind, account_id=merchant.meta_account_id)
        world.faults.fail_meta(
            1, MetaFault.TIMEOUT, delay_seconds=0.3, account_id=merchant.meta_account_id
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(
            pool.map(
                # Every failure lands on the same request: the storm is 13 errors in a row.
                lambda merchant: sync(
                    server, merchant, windows, warehouse, timeout=0.15, max_retries=13
                ),
                world.merchants,
            )
        )

    for merchant, outcome in zip(world.merchants, outcomes, strict=True):
        assert outcome.error is None
        assert outcome.retries == 13
        assert outcome.slices == len(windows)
        for window in windows:
            assert slice_rows(warehouse, merchant, window) == expected_capture(
                world, merchant, window
            )
    duplicates = warehouse.fetch_all(
        "SELECT count(*) AS n FROM raw.meta_ads_insights_hourly "
        "GROUP BY connection_id, window_start, date_start, ad_id, hour_of_day HAVING count(*) > 1"
    )
    assert duplicates == []
    slices = warehouse.fetch_all("SELECT count(*) AS n FROM raw.landing_log")
    assert slices[0]["n"] == 2 * len(windows)


def test_restating_picks_up_the_purchases_meta_attributed_since(
    server: SimulatorServer, world: World, clock: Clock, warehouse: Warehouse
) -> None:
    merchant = world.merchants[0]  # New York
    earlier_day = date(2026, 8, 8)
    t1 = datetime(2026, 8, 10, 15, 10, tzinfo=UTC)
    clock.now = t1
    first_window = Window(t1.replace(minute=0), t1.replace(minute=15))
    first = sync(server, merchant, [first_window], warehouse, restatement_days=2)
    # One slice: the window's own day and, whole, the two days before.
    assert (first.error, first.restated_days, first.slices) == (None, 2, 1)
    at_t1 = truth(world, merchant.meta_account_id, earlier_day)
    assert latest_capture_rows(warehouse, merchant, earlier_day) == at_t1

    t2 = t1 + timedelta(days=1)
    clock.now = t2
    second_window = Window(t2.replace(minute=0), t2.replace(minute=15))
    second = sync(server, merchant, [second_window], warehouse, restatement_days=3)
    assert second.error is None
    at_t2 = truth(world, merchant.meta_account_id, earlier_day)
    assert latest_capture_rows(warehouse, merchant, earlier_day) == at_t2

    def purchases(rows: list[tuple]) -> Decimal:
        return sum((row[6] for row in rows), Decimal(0))

    def spend(rows: list[tuple]) -> Decimal:
        return sum((row[3] for row in rows), Decimal(0))

    # Late purchases arrived; the spend of a past day was final all along.
    assert purchases(at_t2) > purchases(at_t1)
    assert spend(at_t2) == spend(at_t1)
    # Each restatement is a capture of its own run's window: the first one's stays as seen.
    assert slice_rows(warehouse, merchant, second_window, earlier_day) == at_t2
    assert slice_rows(warehouse, merchant, first_window, earlier_day) == at_t1
    captured = warehouse.fetch_all(
        "SELECT window_start, captured_day, row_count FROM raw.capture_log "
        "WHERE connection_id = :connection_id ORDER BY window_start, captured_day",
        {"connection_id": target(merchant).connection_id},
    )
    assert [(row["window_start"], row["captured_day"]) for row in captured] == [
        *((first_window.start, date(2026, 8, day)) for day in (8, 9, 10)),
        *((second_window.start, date(2026, 8, day)) for day in (8, 9, 10, 11)),
    ]
    assert captured[0]["row_count"] == len(at_t1)


def test_malformed_rows_are_quarantined_beside_the_slice_and_counted(
    server: SimulatorServer, world: World, warehouse: Warehouse
) -> None:
    merchant = world.merchants[1]
    window = Window(
        datetime(2026, 8, 10, 15, tzinfo=UTC), datetime(2026, 8, 10, 15, 15, tzinfo=UTC)
    )
    world.faults.malform_meta_rows(2, RowDefect.NON_NUMERIC_SPEND)
    world.faults.malform_meta_rows(1, RowDefect.MISSING_AD_ID)
    outcome = sync(server, merchant, [window], warehouse)
    assert (outcome.error, outcome.quarantined) == (None, 3)
    expected = expected_capture(world, merchant, window)
    assert slice_rows(warehouse, merchant, window) == expected[3:]
    log = warehouse.fetch_all(
        "SELECT row_count, quarantined_count FROM raw.landing_log "
        "WHERE connection_id = :connection_id",
        {"connection_id": target(merchant).connection_id},
    )
    assert log == [{"row_count": len(expected) - 3, "quarantined_count": 3}]
    quarantined = warehouse.fetch_all(
        "SELECT source_table, window_start, reason, payload FROM raw.quarantine ORDER BY reason"
    )
    assert [row["reason"] for row in quarantined] == [
        "ad_id: missing",
        "spend: Input should be a decimal number in digits, got 'n/a'",
        "spend: Input should be a decimal number in digits, got 'n/a'",
    ]
    assert {row["source_table"] for row in quarantined} == {"meta_ads_insights_hourly"}
    assert {row["window_start"] for row in quarantined} == {window.start}
    assert json.loads(quarantined[0]["payload"])["campaign_id"]


def test_an_expired_token_fails_the_connection_alone_and_asks_for_a_reconnect(
    server: SimulatorServer, world: World, warehouse: Warehouse
) -> None:
    expired, healthy = world.merchants
    world.faults.expire_meta_token(expired.meta_account_id)
    window = Window(
        datetime(2026, 8, 10, 15, tzinfo=UTC), datetime(2026, 8, 10, 15, 15, tzinfo=UTC)
    )
    failed = sync(server, expired, [window], warehouse)
    landed = sync(server, healthy, [window], warehouse)
    assert failed.needs_reconnect
    assert failed.error and "reconnect Meta Ads" in failed.error
    assert (failed.slices, failed.retries) == (0, 0)
    assert landed.error is None
    assert slice_rows(warehouse, healthy, window) == expected_capture(world, healthy, window)
    assert slice_rows(warehouse, expired, window) == []


def test_rows_keep_the_currency_of_their_own_day_across_a_currency_change(
    server: SimulatorServer, world: World, warehouse: Warehouse
) -> None:
    merchant = world.merchants[0]
    world.faults.change_meta_currency(merchant.meta_account_id, "CAD", date(2026, 8, 10))
    window = Window(
        datetime(2026, 8, 10, 15, tzinfo=UTC), datetime(2026, 8, 10, 15, 15, tzinfo=UTC)
    )
    outcome = sync(server, merchant, [window], warehouse, restatement_days=1)
    assert outcome.error is None
    assert {row[8] for row in slice_rows(warehouse, merchant, window)} == {"CAD"}
    assert {row[8] for row in latest_capture_rows(warehouse, merchant, date(2026, 8, 9))} == {"USD"}


def test_entities_land_once_in_the_last_window_of_the_run(
    server: SimulatorServer, world: World, warehouse: Warehouse
) -> None:
    merchant = world.merchants[1]
    windows = list(
        windows_between(
            datetime(2026, 8, 10, 14, tzinfo=UTC), datetime(2026, 8, 10, 15, tzinfo=UTC)
        )
    )
    with make_client(server, merchant, page_size=3) as client:
        outcome = sync_entities(target(merchant), client, windows, warehouse)
    account_id = merchant.meta_account_id
    expected = (
        len(world.meta.campaigns(account_id))
        + len(world.meta.adsets(account_id))
        + len(world.meta.ads(account_id))
    )
    assert (outcome.error, outcome.rows, outcome.slices) == (None, expected, 1)
    landed = warehouse.fetch_all(
        "SELECT entity_level, entity_id, daily_budget_minor, currency, window_start "
        "FROM raw.meta_ads_entities ORDER BY entity_id"
    )
    assert len(landed) == expected
    assert {row["window_start"] for row in landed} == {windows[-1].start}
    assert {row["currency"] for row in landed} == {merchant.currency}
    budgets = {row["entity_id"]: row["daily_budget_minor"] for row in landed}
    for campaign in world.meta.campaigns(account_id):
        assert budgets[campaign.campaign_id] == campaign.daily_budget_cents
    for adset in world.meta.adsets(account_id):
        assert budgets[adset.adset_id] == adset.daily_budget_cents


def test_runs_restate_on_the_hour_by_default() -> None:
    def window(hour: int, minute: int) -> Window:
        start = datetime(2026, 8, 10, hour, minute, tzinfo=UTC)
        return Window(start, start + timedelta(minutes=15))

    assert restatement_due(window(7, 0), 60)
    assert not restatement_due(window(7, 45), 60)
    assert restatement_due(window(7, 45), 15)
    assert restatement_due(window(0, 0), 1_440) and not restatement_due(window(12, 0), 1_440)
    with pytest.raises(ValueError, match="multiple of 15"):
        restatement_due(window(7, 0), 20)


def test_a_restating_run_captures_each_restated_day_once_whole_in_its_last_window() -> None:
    # An account on UTC; the run crosses midnight, so it lands the 10th's closing window itself.
    windows = list(
        windows_between(datetime(2026, 8, 10, 23, tzinfo=UTC), datetime(2026, 8, 11, 1, tzinfo=UTC))
    )
    captures, restated = day_captures(windows, "UTC", 2)
    last = windows[-1]
    # The 10th was captured whole by this run already: only the 9th is restated.
    assert restated == 1
    assert [capture for capture in captures if capture.window == last] == [
        Capture(last, date(2026, 8, 9), WHOLE_DAY),
        Capture(last, date(2026, 8, 11), 0),
    ]
    assert [capture.window for capture in captures] == [*sorted(windows), last]
