"""An outage end to end, on DuckDB: a Meta token expires, the landing marks the connection
`needs_reconnect` (and the API shows it), the merchant reconnects through Facebook Login, the
sensor launches the missed windows, and the day's spend in the marts is the simulator's to the
cent.

Its own pipeline (Meta's landing only, three hours of windows, one dbt build): ~60 s.
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
from simulator.server import SimulatorServer
from simulator.world import World
from stack.demo import DemoRange, build_warehouse, seed_demo_workspaces
from tests.consent import MerchantBrowser, start_path
from tests.helpers import Clock, make_settings, read_warehouse
from warehouse.appdb.models import Connection, ConnectionStatus
from warehouse.appdb.session import open_session

pytestmark = pytest.mark.asyncio(loop_scope="session")

API_PUBLIC_URL = "http://api.metricx.test"
# UTC hours: 12-13 land, 13-14 are refused (the token expired), 14-15 skipped while the
# connection waits for its merchant; the reconnect comes at 15:05.
START = datetime(2026, 8, 10, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)
LAG = timedelta(minutes=3)
META_LANDING = [
    AssetKey(["raw", "meta_ads_insights_hourly"]),
    AssetKey(["raw", "meta_ads_entities"]),
]
QUARTER = timedelta(minutes=15)


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock(START + HOUR + LAG)


@pytest.fixture(scope="module")
def world(clock: Clock) -> World:
    return World(merchants=1, ads_per_merchant=4, clock=clock)


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(world) as running:
        yield running


def connection_of(settings: Settings, provider: str) -> Connection:
    with open_session(settings.app_database_url) as session:
        return session.scalars(select(Connection).where(Connection.provider == provider)).one()


def land_meta(settings: Settings, instance: DagsterInstance, hours: DemoRange) -> None:
    job = build_definitions(settings).resolve_job_def(INGEST_JOB_NAME)
    result = job.execute_in_process(
        instance=instance,
        tags={
            ASSET_PARTITION_RANGE_START_TAG: hours.first_partition_key,
            ASSET_PARTITION_RANGE_END_TAG: hours.last_partition_key,
        },
        run_config=RUN_LOGGER_CONFIG,
        asset_selection=META_LANDING,
    )
    assert result.success


def meta_windows_landed(settings: Settings) -> set[datetime]:
    rows = read_warehouse(
        settings.warehouse_url,
        "SELECT DISTINCT window_start FROM raw.landing_log "
        "WHERE source_table = 'meta_ads_insights_hourly'",
    )
    return {row["window_start"].astimezone(UTC) for row in rows}


async def test_an_expired_token_is_reconnected_and_its_gap_backfilled(
    tmp_path: Path, clock: Clock, world: World, server: SimulatorServer
) -> None:
    settings = make_settings(
        warehouse_url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        app_database_url=f"sqlite:///{tmp_path / 'app.db'}",
        simulator_url=server.base_url,
        api_public_url=API_PUBLIC_URL,
    )
    merchant = world.merchants[0]
    workspace_id = seed_demo_workspaces(settings, world)[merchant.slug]
    app = create_app(settings)
    app.dependency_overrides[connection_clock] = lambda: clock

    with DagsterInstance.ephemeral() as instance:
        land_meta(settings, instance, DemoRange(START, START + HOUR))
        world.faults.expire_meta_token(merchant.meta_account_id)
        clock.now = START + 2 * HOUR + LAG
        land_meta(settings, instance, DemoRange(START + HOUR, START + 2 * HOUR))
        refused = connection_of(settings, "meta_ads")
        assert refused.status == ConnectionStatus.NEEDS_RECONNECT
        assert refused.needs_reconnect_since == START + HOUR
        clock.now = START + 3 * HOUR + LAG
        land_meta(settings, instance, DemoRange(START + 2 * HOUR, START + 3 * HOUR))
        assert meta_windows_landed(settings) == {START + n * QUARTER for n in range(4)}

        clock.now = START + 3 * HOUR + timedelta(minutes=5)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as api,
        ):
            browser = MerchantBrowser(api, server.base_url, merchant, API_PUBLIC_URL)
            url = f"/v1/workspaces/{workspace_id}/connections/{refused.id}"
            shown = (await api.get(url, headers=browser.headers)).json()
            assert shown["status"] == "needs_reconnect"
            selection = (await browser.connect(start_path(workspace_id, "meta_ads"))).json()
            chosen = await browser.choose(workspace_id, selection["id"], merchant.meta_account_id)
            assert chosen.status_code == 200
            shown = (await api.get(url, headers=browser.headers)).json()
            assert shown["status"] == "active"

        definitions = build_definitions(settings)
        sensor = definitions.get_sensor_def("backfill_reconnected_connections")
        resources = build_resources(settings)
        context = build_sensor_context(
            instance=instance, resources={"app_database": resources["app_database"]}
        )
        [request] = list(sensor(context) or [])  # type: ignore[arg-type]
        assert sorted(request.asset_selection or []) == sorted(META_LANDING)
        assert (
            request.tags[ASSET_PARTITION_RANGE_START_TAG],
            request.tags[ASSET_PARTITION_RANGE_END_TAG],
        ) == (window_key(START + HOUR), window_key(START + 3 * HOUR - QUARTER))
        # Requested once: the range is forgotten.
        assert list(sensor(context) or []) == []  # type: ignore[arg-type]
        job = definitions.resolve_job_def(INGEST_JOB_NAME)
        backfill = job.execute_in_process(
            instance=instance,
            tags=request.tags,
            run_config=RUN_LOGGER_CONFIG,
            asset_selection=request.asset_selection,
        )
        assert backfill.success
        assert meta_windows_landed(settings) == {START + n * QUARTER for n in range(12)}
        built = build_warehouse(definitions, instance, DemoRange(START, START + 3 * HOUR))
        assert built.success

    # The account's day as its last window (14:45 UTC) saw it: every hour through that one.
    last_window = START + 3 * HOUR - QUARTER
    local_day, last_hour = (
        last_window.astimezone(merchant.tz).date(),
        last_window.astimezone(merchant.tz).hour,
    )
    truth = sum(
        (
            row.delivery.spend
            for row in world.meta.ad_hours(merchant.meta_account_id, local_day)
            if row.hour_of_day <= last_hour
        ),
        Decimal(0),
    )
    [mart] = read_warehouse(
        settings.warehouse_url,
        "SELECT sum(spend) AS spend FROM marts.fct_ad_reporting_daily "
        "WHERE platform = 'meta_ads' AND date_day = :day",
        {"day": local_day},
    )
    assert truth > 0
    assert Decimal(mart["spend"]).quantize(Decimal("0.01")) == truth.quantize(Decimal("0.01"))
