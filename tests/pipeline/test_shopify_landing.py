"""The Shopify landing asset: from the simulated Admin API through Dagster into the raw table, on
DuckDB and PostgreSQL, checked against the shop world to the cent."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from dagster import DagsterInstance, ExecuteInProcessResult, materialize
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from metricx.settings import Settings
from orchestration.definitions import build_resources
from orchestration.defs.shopify.assets import shopify_orders
from orchestration.defs.shopify.resources import ShopifyAdminApiResource
from orchestration.lib.windows import WINDOW, windows_between
from orchestration.partitions import window_key
from simulator.server import SimulatorServer
from simulator.shopify.api import ShopifyApi
from simulator.shopify.records import ShopOrder
from simulator.world import World
from stack.demo import seed_demo_workspaces
from tests.helpers import NOW, Clock, make_settings, read_warehouse
from warehouse.appdb.credentials import load_cipher
from warehouse.appdb.models import Provider
from warehouse.appdb.session import open_session
from warehouse.appdb.upserts import upsert_connection

RAW = "raw.shopify_orders"
# The world is at 08:07 UTC; six hours later some of the morning's orders were fulfilled.
FIRST_WINDOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
BULK_UNTIL = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)  # 12 windows: read in bulk
PAGED_UNTIL = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # 4 windows: read page by page
LATER = NOW + timedelta(hours=6)
LATER_UNTIL = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
COMPARED = (
    "order_id, updated_at, created_at, cancelled_at, test, currency, subtotal, total_discounts, "
    "shipping, tax, shipping_tax, total, total_refunded, customer_id, customer_order_index, "
    "journey_ready, "
    "first_visit_utm_campaign, last_visit_visit_id"
)


@dataclass
class Landing:
    settings: Settings
    workspace_ids: dict[str, str]  # by merchant slug

    def read(self, sql: str, params: dict | None = None) -> list[dict]:
        return read_warehouse(self.settings.warehouse_url, sql, params)

    def materialize(self, start: datetime, end: datetime) -> ExecuteInProcessResult:
        """Land the windows of [start, end) in one run."""
        tags = {
            ASSET_PARTITION_RANGE_START_TAG: window_key(start),
            ASSET_PARTITION_RANGE_END_TAG: window_key(end - WINDOW),
        }
        resources = build_resources(self.settings)
        # The simulator finishes a bulk operation in two polls: no need to wait between them.
        resources["shopify_admin_api"] = ShopifyAdminApiResource(
            base_url_template=self.settings.shopify_admin_base_url,
            api_version=self.settings.shopify_api_version,
            bulk_poll_seconds=0.01,
        )
        with DagsterInstance.ephemeral() as instance:
            return materialize(
                [shopify_orders(self.settings.partitions_start)],
                resources=resources,
                instance=instance,
                tags=tags,
                raise_on_error=False,
            )


@pytest.fixture(scope="module")
def world(clock: Clock) -> World:
    return World(seed=7, merchants=2, clock=clock)


@pytest.fixture(scope="module")
def api(world: World) -> ShopifyApi:
    return ShopifyApi.of(world)


@pytest.fixture(autouse=True)
def reset_world(clock: Clock, api: ShopifyApi) -> Iterator[None]:
    # A bucket big enough that no real second is spent waiting for points.
    api.configure(maximum_available=1e9, restore_rate=1e9)
    yield
    clock.now = NOW
    api.reset()


@pytest.fixture
def landing(landing_settings: Settings, world: World) -> Landing:
    return Landing(landing_settings, seed_demo_workspaces(landing_settings, world))


def truth_row(order: ShopOrder) -> tuple[object, ...]:
    ready = order.journey_ready
    return (
        order.order_id,
        order.updated_at,
        order.created_at,
        order.cancelled_at,
        int(order.test),
        order.currency,
        order.subtotal,
        order.total_discounts,
        order.shipping,
        order.tax,
        order.shipping_tax,
        order.total,
        order.total_refunded,
        order.customer_id,
        order.customer_order_index,
        int(ready),
        order.first_visit.utm.campaign if ready else None,
        order.last_visit.visit_id if ready else None,
    )


def landed_row(row: dict) -> tuple[object, ...]:
    # Money columns come back with the column's scale; equal Decimals compare equal.
    return tuple(Decimal(value) if isinstance(value, Decimal) else value for value in row.values())


def counts(landing: Landing) -> dict:
    return landing.read(
        f"SELECT (SELECT count(*) FROM {RAW}) AS raw_rows,"
        " (SELECT count(*) FROM raw.landing_log WHERE source_table = 'shopify_orders') AS slices,"
        " (SELECT count(*) FROM raw.quarantine) AS quarantined,"
        f" (SELECT sum(total) FROM {RAW}) AS total"
    )[0]


def test_orders_land_in_the_window_they_last_changed_and_the_latest_version_wins(
    landing: Landing, world: World, api: ShopifyApi, clock: Clock
) -> None:
    bulk = landing.materialize(FIRST_WINDOW, BULK_UNTIL)
    paged = landing.materialize(BULK_UNTIL, PAGED_UNTIL)
    assert bulk.success and paged.success
    assert _metadata(bulk)["read_through"] == "bulk"
    assert _metadata(paged)["read_through"] == "pages"

    for merchant in world.merchants:
        workspace_id = landing.workspace_ids[merchant.slug]
        for window in windows_between(FIRST_WINDOW, PAGED_UNTIL):
            expected = api.shops.orders_updated(merchant.shop_domain, window.start, window.end)
            rows = landing.read(
                f"SELECT {COMPARED} FROM {RAW} "
                "WHERE workspace_id = :workspace_id AND window_start = :window_start "
                "ORDER BY updated_at, order_id",
                {"workspace_id": workspace_id, "window_start": window.start},
            )
            assert [landed_row(row) for row in rows] == [truth_row(o) for o in expected]

    # Half a day on: some of the morning's orders were fulfilled; their new versions land
    # in the windows they changed in, beside the old ones. The orders of the minutes before 08:00
    # landed before Shopify had built their journeys, and land again with them.
    clock.now = LATER
    later = landing.materialize(PAGED_UNTIL, LATER_UNTIL)
    assert later.success
    for merchant in world.merchants:
        workspace_id = landing.workspace_ids[merchant.slug]
        latest = landing.read(
            f"SELECT {COMPARED} FROM {RAW} AS r WHERE workspace_id = :workspace_id "
            f"AND updated_at = (SELECT max(updated_at) FROM {RAW} AS newer "
            "  WHERE newer.connection_id = r.connection_id AND newer.order_id = r.order_id) "
            "ORDER BY updated_at, order_id",
            {"workspace_id": workspace_id},
        )
        # Every run also landed the window before its first again.
        landed_since = FIRST_WINDOW - WINDOW
        expected = api.shops.orders_updated(merchant.shop_domain, landed_since, LATER_UNTIL)
        assert [landed_row(row) for row in latest] == [truth_row(o) for o in expected]
        revenue = sum((o.total - o.total_refunded for o in expected), Decimal("0.00"))
        landed_revenue = sum(
            (Decimal(row["total"]) - Decimal(row["total_refunded"]) for row in latest),
            Decimal("0.00"),
        )
        assert landed_revenue == revenue

    versions = landing.read(f"SELECT count(*) AS n, count(DISTINCT order_id) AS orders FROM {RAW}")
    assert versions[0]["n"] > versions[0]["orders"]

    before = counts(landing)
    assert before["slices"] == 2 * (LATER_UNTIL - FIRST_WINDOW + WINDOW) // WINDOW
    # Read again at the same moment, windows land the same orders again, in bulk or by page.
    assert landing.materialize(PAGED_UNTIL, LATER_UNTIL).success
    assert landing.materialize(LATER_UNTIL - 4 * WINDOW, LATER_UNTIL).success
    assert counts(landing) == before


def test_a_broken_order_is_quarantined_and_a_broken_shop_does_not_stop_the_others(
    tmp_path: Path, world: World, api: ShopifyApi, server: SimulatorServer
) -> None:
    settings = make_settings(
        warehouse_url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        app_database_url=f"sqlite:///{tmp_path / 'app.db'}",
        simulator_url=server.base_url,
    )
    landing = Landing(settings, seed_demo_workspaces(settings, world))
    merchant = world.merchants[0]
    # The run lands its windows and the one before them.
    expected = api.shops.orders_updated(merchant.shop_domain, BULK_UNTIL - WINDOW, PAGED_UNTIL)
    broken = expected[3]
    api.faults.corrupt_amount(broken.order_id)
    with open_session(settings.app_database_url) as session, session.begin():
        upsert_connection(
            session,
            workspace_id=landing.workspace_ids[merchant.slug],
            provider=Provider.SHOPIFY,
            external_account_id="closed-store.myshopify.com",
            display_name="A shop that no longer exists",
            credentials={"access_token": "shpat_gone"},
            cipher=load_cipher(settings),
        )

    result = landing.materialize(BULK_UNTIL, PAGED_UNTIL)
    assert not result.success
    outcomes = {o["account_id"]: o for o in _failure_metadata(result)["outcomes"].data}
    assert "HTTP 404" in outcomes["closed-store.myshopify.com"]["error"]
    assert outcomes[merchant.shop_domain]["quarantined"] == 1
    assert "error" not in outcomes[world.merchants[1].shop_domain]

    workspace_id = landing.workspace_ids[merchant.slug]
    landed = landing.read(
        f"SELECT order_id FROM {RAW} WHERE workspace_id = :workspace_id "
        "ORDER BY updated_at, order_id",
        {"workspace_id": workspace_id},
    )
    assert [row["order_id"] for row in landed] == [
        o.order_id for o in expected if o.order_id != broken.order_id
    ]
    quarantined = landing.read("SELECT window_start, reason FROM raw.quarantine")
    assert len(quarantined) == 1
    window_start = broken.updated_at.replace(minute=broken.updated_at.minute // 15 * 15, second=0)
    assert quarantined[0]["window_start"] == window_start
    assert broken.order_id in quarantined[0]["reason"]
    logged = landing.read(
        "SELECT sum(quarantined_count) AS n FROM raw.landing_log WHERE window_start = :start",
        {"start": window_start},
    )
    assert logged[0]["n"] == 1


def _metadata(result: ExecuteInProcessResult) -> dict:
    # A range run reports one materialization per window, all with the run's metadata.
    event = result.get_asset_materialization_events()[0]
    return {key: value.value for key, value in event.materialization.metadata.items()}


def _failure_metadata(result: ExecuteInProcessResult) -> dict:
    [failure] = [event for event in result.all_events if event.is_step_failure]
    return failure.step_failure_data.user_failure_data.metadata
