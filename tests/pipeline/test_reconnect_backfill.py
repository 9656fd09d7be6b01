"""Outages end to end, on DuckDB, one per provider in the same runs: Meta's token expires,
Google's refresh token is revoked (invalid_grant) and the Shopify app's token revoked (401); the
landing marks each connection `needs_reconnect` (and the API shows it), the merchant reconnects
each through its OAuth flow, the sensor launches each one's missed windows, and the spend of the
day (Meta, and Google read through the agency's manager account) and the shop's orders in the
marts are the simulator's to the cent.

Its own pipeline (the three providers' landing for one merchant, two hours of windows, one dbt
build): ~75 s uncontended (the Meta-only version took ~60).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from dagster import AssetKey, DagsterInstance, build_sensor_context
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from sqlalchemy import select

from api.connections.dependencies import connection_clock
from api.main import create_app
from metricx.settings import Settings
from orchestration.definitions import INGEST_JOB_NAME, build_definitions, build_resources
from orchestration.lib.loggers import RUN_LOGGER_CONFIG
from orchestration.partitions import window_key
from simulator.google_ads.world import GoogleAdsWorld
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from simulator.shopify.api import ShopifyApi
from simulator.world import World
from stack.demo import DemoRange, build_warehouse, upsert_owned_workspace
from tests.consent import MerchantBrowser, start_path
from tests.helpers import Clock, make_settings, read_warehouse
from warehouse.appdb.migrate import upgrade
from warehouse.appdb.models import Connection, ConnectionStatus
from warehouse.appdb.session import open_session

pytestmark = pytest.mark.asyncio(loop_scope="session")

API_PUBLIC_URL = "http://api.metricx.test"
# UTC (the merchant's late morning in Los Angeles): 18:00-19:00 land, 19:00-19:30 are refused
# (every provider's credentials gone), 19:30-20:00 skipped while the connections wait for their
# merchant; the reconnects come at 20:05.
START = datetime(2026, 8, 10, 18, tzinfo=UTC)
HOUR = timedelta(hours=1)
HALF_HOUR = timedelta(minutes=30)
LAG = timedelta(minutes=3)
QUARTER = timedelta(minutes=15)
LANDING = {
    "meta_ads": [
        AssetKey(["raw", "meta_ads_insights_hourly"]),
        AssetKey(["raw", "meta_ads_entities"]),
    ],
    "google_ads": [
        AssetKey(["raw", "google_ads_ad_group_hourly"]),
        AssetKey(["raw", "google_ads_entities"]),
    ],
    "shopify": [AssetKey(["raw", "shopify_orders"]), AssetKey(["raw", "shopify_pixel_events"])],
}
# The landing log's source of each provider's metrics.
SOURCE_TABLES = {
    "meta_ads": "meta_ads_insights_hourly",
    "google_ads": "google_ads_ad_group_hourly",
    "shopify": "shopify_orders",
}


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock(START + HOUR + LAG)


@pytest.fixture(scope="module")
def world(clock: Clock) -> World:
    return World(merchants=3, ads_per_merchant=4, clock=clock)


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(world) as running:
        yield running


def connection_of(settings: Settings, provider: str) -> Connection:
    with open_session(settings.app_database_url) as session:
        return session.scalars(select(Connection).where(Connection.provider == provider)).one()


def land(settings: Settings, instance: DagsterInstance, start: datetime, end: datetime) -> None:
    """Every provider's landing over the windows of [start, end), in one run."""
    job = build_definitions(settings).resolve_job_def(INGEST_JOB_NAME)
    hours = DemoRange(start, end)
    result = job.execute_in_process(
        instance=instance,
        tags={
            ASSET_PARTITION_RANGE_START_TAG: hours.first_partition_key,
            ASSET_PARTITION_RANGE_END_TAG: hours.last_partition_key,
        },
        run_config=RUN_LOGGER_CONFIG,
        asset_selection=[key for keys in LANDING.values() for key in keys],
    )
    assert result.success


def windows_landed(settings: Settings, provider: str) -> set[datetime]:
    """The provider's windows landed from START on (Shopify's first run also lands the window
    before it, whose orders may have changed since)."""
    rows = read_warehouse(
        settings.warehouse_url,
        "SELECT DISTINCT window_start FROM raw.landing_log WHERE source_table = :source",
        {"source": SOURCE_TABLES[provider]},
    )
    landed = {row["window_start"].astimezone(UTC) for row in rows}
    return {window for window in landed if window >= START}


async def connect(browser: MerchantBrowser, workspace_id: str, provider: str) -> None:
    """Connect (or reconnect) the merchant's account through the provider's OAuth flow."""
    merchant = browser.merchant
    if provider == "shopify":
        installed = await browser.connect(
            start_path(workspace_id, provider), shop=merchant.shop_domain
        )
        assert installed.status_code == 201, installed.text
        return
    selection = (await browser.connect(start_path(workspace_id, provider))).json()
    account = merchant.meta_account_id if provider == "meta_ads" else merchant.google_customer_id
    if provider == "google_ads":
        # The merchant's ad account is offered through its agency's manager account.
        [offered] = selection["accounts"]
        assert (offered["external_account_id"], offered["manager_path"]) == (
            account,
            [merchant.google_manager_name],
        )
    chosen = await browser.choose(workspace_id, selection["id"], account)
    assert chosen.status_code == 200, chosen.text


def spend_of_day(settings: Settings, platform: str, day: object) -> Decimal:
    [mart] = read_warehouse(
        settings.warehouse_url,
        "SELECT sum(spend) AS spend FROM marts.fct_ad_reporting_daily "
        "WHERE platform = :platform AND date_day = :day",
        {"platform": platform, "day": day},
    )
    return Decimal(mart["spend"]).quantize(Decimal("0.01"))


def revoke_everything(world: World, merchant: Merchant) -> None:
    """Meta's session expires, Google's grant is revoked, the shop's token too."""
    world.faults.expire_meta_token(merchant.meta_account_id)
    GoogleAdsWorld.of(world).revoke_refresh_tokens(merchant)
    ShopifyApi.of(world).installs.revoke(merchant)


async def test_refused_credentials_are_reconnected_and_their_gaps_backfilled(
    tmp_path: Path, clock: Clock, world: World, server: SimulatorServer
) -> None:
    settings = make_settings(
        warehouse_url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        app_database_url=f"sqlite:///{tmp_path / 'app.db'}",
        simulator_url=server.base_url,
        api_public_url=API_PUBLIC_URL,
    )
    # demo-3 runs Google Ads through an agency's manager account.
    merchant = world.merchants[2]
    assert merchant.google_manager_customer_id is not None
    upgrade(settings.app_database_url)
    with open_session(settings.app_database_url) as session, session.begin():
        workspace_id = upsert_owned_workspace(session, merchant).id
    app = create_app(settings)
    app.dependency_overrides[connection_clock] = lambda: clock

    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as api,
    ):
        browser = MerchantBrowser(api, server.base_url, merchant, API_PUBLIC_URL)
        for provider in LANDING:
            await connect(browser, workspace_id, provider)

        with DagsterInstance.ephemeral() as instance:
            land(settings, instance, START, START + HOUR)
            revoke_everything(world, merchant)
            clock.now = START + HOUR + HALF_HOUR + LAG
            land(settings, instance, START + HOUR, START + HOUR + HALF_HOUR)
            for provider in LANDING:
                refused = connection_of(settings, provider)
                assert refused.status == ConnectionStatus.NEEDS_RECONNECT, provider
                assert refused.needs_reconnect_since == START + HOUR, provider
            clock.now = START + 2 * HOUR + LAG
            land(settings, instance, START + HOUR + HALF_HOUR, START + 2 * HOUR)
            for provider in LANDING:
                assert windows_landed(settings, provider) == {
                    START + n * QUARTER for n in range(4)
                }, provider

            clock.now = START + 2 * HOUR + timedelta(minutes=5)
            for provider in LANDING:
                connection_id = connection_of(settings, provider).id
                url = f"/v1/workspaces/{workspace_id}/connections/{connection_id}"
                assert (await api.get(url, headers=browser.headers)).json()["status"] == (
                    "needs_reconnect"
                )
                await connect(browser, workspace_id, provider)
                assert (await api.get(url, headers=browser.headers)).json()["status"] == "active"

            definitions = build_definitions(settings)
            sensor = definitions.get_sensor_def("backfill_reconnected_connections")
            resources = build_resources(settings)
            context = build_sensor_context(
                instance=instance, resources={"app_database": resources["app_database"]}
            )
            requests = list(sensor(context) or [])  # type: ignore[arg-type]
            assert sorted(sorted(r.asset_selection or []) for r in requests) == sorted(
                sorted(keys) for keys in LANDING.values()
            )
            for request in requests:
                assert (
                    request.tags[ASSET_PARTITION_RANGE_START_TAG],
                    request.tags[ASSET_PARTITION_RANGE_END_TAG],
                ) == (window_key(START + HOUR), window_key(START + 2 * HOUR - QUARTER))
            # Requested once: the ranges are forgotten.
            assert list(sensor(context) or []) == []  # type: ignore[arg-type]
            job = definitions.resolve_job_def(INGEST_JOB_NAME)
            for request in requests:
                backfill = job.execute_in_process(
                    instance=instance,
                    tags=request.tags,
                    run_config=RUN_LOGGER_CONFIG,
                    asset_selection=request.asset_selection,
                )
                assert backfill.success
            for provider in LANDING:
                assert windows_landed(settings, provider) == {
                    START + n * QUARTER for n in range(8)
                }, provider
            built = build_warehouse(definitions, instance, DemoRange(START, START + 2 * HOUR))
            assert built.success

    # The account's day as its last window (19:45 UTC) saw it: every hour through that one.
    last_window = START + 2 * HOUR - QUARTER
    local_day, last_hour = (
        last_window.astimezone(merchant.tz).date(),
        last_window.astimezone(merchant.tz).hour,
    )
    meta_truth = sum(
        (
            row.delivery.spend
            for row in world.meta.ad_hours(merchant.meta_account_id, local_day)
            if row.hour_of_day <= last_hour
        ),
        Decimal(0),
    )
    google_truth = Decimal(
        sum(
            row.metrics.cost_micros
            for row in GoogleAdsWorld.of(world).ad_group_hours(
                merchant.google_customer_id, local_day
            )
            if row.hour <= last_hour
        )
    ).scaleb(-6)
    assert meta_truth > 0 and google_truth > 0
    assert spend_of_day(settings, "meta_ads", local_day) == meta_truth.quantize(Decimal("0.01"))
    assert spend_of_day(settings, "google_ads", local_day) == google_truth.quantize(Decimal("0.01"))
    # The shop's orders of the two hours, as they stood at the end of the last window.
    orders = ShopifyApi.of(world).shops.orders(
        merchant.shop_domain, START, START + 2 * HOUR, as_of=START + 2 * HOUR
    )
    landed = read_warehouse(
        settings.warehouse_url,
        "SELECT order_id, order_total FROM marts.fct_orders "
        "WHERE created_at >= :start AND created_at < :end",
        {"start": START, "end": START + 2 * HOUR},
    )
    assert orders
    assert {row["order_id"]: Decimal(row["order_total"]) for row in landed} == {
        order.order_id: order.total for order in orders
    }
