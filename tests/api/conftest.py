"""The API against real parts: the Clerk simulator on loopback, SQLite app DB, DuckDB marts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from metricx.settings import Settings
from simulator.clerk.faults import ClerkFaults
from simulator.clerk.users import SIMULATED_SECRET_KEY, SIMULATED_WEBHOOK_SECRET, ClerkUsers
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from simulator.world import World
from stack.demo import upsert_owned_workspace
from tests.helpers import serve
from warehouse.appdb.migrate import upgrade
from warehouse.appdb.models import Workspace
from warehouse.appdb.session import open_session
from warehouse.connection import open_warehouse
from warehouse.serving import publish_marts

MART_DDL = """
CREATE TABLE marts.fct_ad_reporting_hourly (
    workspace_id VARCHAR, platform VARCHAR, account_id VARCHAR, campaign_id VARCHAR,
    ad_group_id VARCHAR, ad_id VARCHAR, date_day DATE, hour_of_day INTEGER,
    workspace_date_day DATE, currency VARCHAR,
    spend DECIMAL(38, 6), impressions BIGINT, clicks BIGINT,
    workspace_currency VARCHAR, spend_workspace_currency DECIMAL(38, 4)
)
"""
COVERAGE_DDL = """
CREATE TABLE marts.fct_landing_coverage_daily (
    workspace_id VARCHAR, connection_id VARCHAR, source_table VARCHAR, date_day DATE,
    coverage VARCHAR
)
"""


@pytest.fixture(scope="session")
def world() -> World:
    # Three merchants in Clerk; only the first two have a metricx account (see `app_db_url`).
    return World(merchants=3)


@pytest.fixture(scope="session")
def merchants(world: World) -> list[Merchant]:
    return world.merchants


@pytest.fixture(scope="session")
def simulator(world: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(world) as server:
        yield server


@pytest.fixture
def clerk_faults(world: World) -> Iterator[ClerkFaults]:
    """The simulated Clerk's fault knobs, cleared after the test."""
    faults = world.platform(ClerkFaults)
    yield faults
    faults.clear()


@pytest.fixture(scope="session")
def app_db_url(tmp_path_factory: pytest.TempPathFactory, merchants: list[Merchant]) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('appdb') / 'app.db'}"
    seed_app_db(url, merchants)
    return url


def seed_app_db(url: str, merchants: list[Merchant]) -> None:
    """Migrate the app database at `url`; give the first two merchants a workspace each."""
    upgrade(url)
    with open_session(url) as session:
        for merchant in merchants[:2]:
            upsert_owned_workspace(session, merchant)
        session.commit()


@pytest.fixture(scope="session")
def postgres_app_db_url(
    create_postgres_database: Callable[[str], str], merchants: list[Merchant]
) -> str:
    """The same app database on PostgreSQL (its workspace ids are its own: the marts of
    `warehouse_url` hold the SQLite database's)."""
    url = create_postgres_database("appdb")
    seed_app_db(url, merchants)
    return url


@pytest.fixture(scope="session")
def workspace_ids(app_db_url: str) -> dict[str, str]:
    with open_session(app_db_url) as session:
        workspaces = session.execute(select(Workspace.slug, Workspace.id))
        return {slug: workspace_id for slug, workspace_id in workspaces}


def mart_rows(workspace_ids: dict[str, str]) -> list[tuple[str, str, str, date, Decimal]]:
    """demo-1 spends on three workspace days of 2026-11-18..22 (and once before), demo-2 on one
    (see build_marts for the ad accounts' days)."""
    demo_1, demo_2 = workspace_ids["demo-1"], workspace_ids["demo-2"]
    return [
        (demo_1, "meta_ads", "a1", date(2026, 11, 17), Decimal("999.0000")),
        (demo_1, "meta_ads", "a1", date(2026, 11, 18), Decimal("10.5000")),
        (demo_1, "meta_ads", "a2", date(2026, 11, 18), Decimal("2.2500")),
        (demo_1, "meta_ads", "a1", date(2026, 11, 20), Decimal("100.0049")),
        (demo_1, "meta_ads", "a2", date(2026, 11, 20), Decimal("0.0001")),
        (demo_1, "google_ads", "g1", date(2026, 11, 22), Decimal("7.0000")),
        (demo_2, "meta_ads", "b1", date(2026, 11, 18), Decimal("55.0000")),
    ]


def coverage_rows(workspace_ids: dict[str, str]) -> list[tuple[str, str, str, date, str]]:
    """demo-1's Meta connection landed 2026-11-17 (partly) to 11-21, its Google connection 11-19
    to 11-22 but nothing of 11-21; demo-2's Meta connection landed 11-18 whole. The shop's
    orders landed on every day: they never make spend complete."""
    demo_1, demo_2 = workspace_ids["demo-1"], workspace_ids["demo-2"]
    meta = [
        (demo_1, "m1", "meta_ads_insights_hourly", date(2026, 11, 17), "partial"),
        *(
            (demo_1, "m1", "meta_ads_insights_hourly", date(2026, 11, day), "complete")
            for day in range(18, 22)
        ),
        (demo_2, "m2", "meta_ads_insights_hourly", date(2026, 11, 18), "complete"),
    ]
    google = [
        (demo_1, "g1", "google_ads_ad_group_hourly", date(2026, 11, 19), "complete"),
        (demo_1, "g1", "google_ads_ad_group_hourly", date(2026, 11, 20), "complete"),
        (demo_1, "g1", "google_ads_ad_group_hourly", date(2026, 11, 21), "missing"),
        (demo_1, "g1", "google_ads_ad_group_hourly", date(2026, 11, 22), "partial"),
    ]
    shop = [
        (demo_1, "s1", "shopify_orders", date(2026, 11, day), "complete") for day in range(10, 30)
    ]
    return meta + google + shop


def build_marts(
    url: str,
    rows: list[tuple[str, str, str, date, Decimal]],
    coverage: list[tuple[str, str, str, date, str]],
) -> None:
    """What the pipeline leaves behind: the hourly ad mart and the coverage mart, published for
    readers. Each spend is one evening hour of an ad account six hours behind its workspace
    (New York's 19:00 is Berlin's 01:00): on the workspace's day, the account's day before."""
    warehouse = open_warehouse(url)
    try:
        warehouse.execute("CREATE SCHEMA marts")
        warehouse.execute(MART_DDL)
        warehouse.execute(COVERAGE_DDL)
        for workspace_id, provider, ad_id, day, spend in rows:
            warehouse.execute(
                "INSERT INTO marts.fct_ad_reporting_hourly VALUES (:workspace_id, :provider, "
                "'acct', 'camp', 'adset', :ad_id, :account_day, 19, :day, 'USD', :spend, 1000, "
                "10, 'USD', :spend)",
                {
                    "workspace_id": workspace_id,
                    "provider": provider,
                    "ad_id": ad_id,
                    "account_day": day - timedelta(days=1),
                    "day": day,
                    "spend": spend,
                },
            )
        for workspace_id, connection_id, source_table, day, day_coverage in coverage:
            warehouse.execute(
                "INSERT INTO marts.fct_landing_coverage_daily VALUES (:workspace_id, "
                ":connection_id, :source_table, :day, :coverage)",
                {
                    "workspace_id": workspace_id,
                    "connection_id": connection_id,
                    "source_table": source_table,
                    "day": day,
                    "coverage": day_coverage,
                },
            )
        publish_marts(warehouse)
    finally:
        warehouse.close()


@pytest.fixture(scope="session")
def warehouse_url(tmp_path_factory: pytest.TempPathFactory, workspace_ids: dict[str, str]) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('warehouse') / 'warehouse.duckdb'}"
    build_marts(url, mart_rows(workspace_ids), coverage_rows(workspace_ids))
    return url


@pytest.fixture
def settings(simulator: SimulatorServer, app_db_url: str, warehouse_url: str) -> Settings:
    issuer = f"{simulator.base_url}/clerk"
    return Settings(
        app_database_url=app_db_url,
        warehouse_url=warehouse_url,
        secret_key=Fernet.generate_key().decode(),
        clerk_issuer=issuer,
        clerk_jwks_url=f"{issuer}/.well-known/jwks.json",
        clerk_authorized_parties=["http://localhost:8000"],
        clerk_api_url=issuer,
        clerk_secret_key=SIMULATED_SECRET_KEY,
        clerk_webhook_secret=SIMULATED_WEBHOOK_SECRET,
    )


@pytest.fixture(params=["sqlite", "postgres"])
def settings_on_each_app_db(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """`settings`, once with the SQLite app database and once with the PostgreSQL one."""
    if request.param == "sqlite":
        return settings
    url: str = request.getfixturevalue("postgres_app_db_url")
    return settings.model_copy(update={"app_database_url": url})


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(settings) as api_client:
        yield api_client


@pytest.fixture(params=["sqlite", "postgres"])
def empty_app_settings(
    request: pytest.FixtureRequest, settings: Settings, tmp_path: Path
) -> Settings:
    """The API's settings on an app database of its own, migrated and empty, once per backend:
    for the tests of accounts, which create users and workspaces."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        url = request.getfixturevalue("create_postgres_database")("appdb")
    upgrade(url)
    return settings.model_copy(update={"app_database_url": url})


@pytest.fixture
async def accounts_client(empty_app_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(empty_app_settings) as api_client:
        yield api_client


def clerk_users(simulator: SimulatorServer) -> ClerkUsers:
    """The simulator's Clerk users, with nothing left undelivered from earlier tests."""
    users = ClerkUsers.of(simulator.world)
    users.take_outbox()
    return users


def session_token(simulator: SimulatorServer, session_id: str) -> str:
    response = httpx.post(f"{simulator.base_url}/clerk/v1/sessions/{session_id}/tokens")
    response.raise_for_status()
    return str(response.json()["jwt"])


def mint_token(
    simulator: SimulatorServer,
    merchant: Merchant,
    *,
    expires_in_seconds: int = 60,
    host: str | None = None,
) -> str:
    """A session token from the Clerk simulator; `host` changes the issuer it is minted under."""
    response = httpx.post(
        f"{simulator.base_url}/clerk/v1/sessions/{merchant.clerk_session_id}/tokens",
        params={"expires_in_seconds": expires_in_seconds},
        headers={"Host": host} if host else None,
    )
    response.raise_for_status()
    return response.json()["jwt"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
