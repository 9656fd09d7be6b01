"""/v1/workspaces/{id}/freshness: every source of every connection, how far behind the clock
its newest published window is, and which are stale."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from api.freshness.dependencies import current_time
from api.freshness.service import STALE_AFTER_WINDOWS
from api.main import create_app
from metricx.settings import Settings
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from tests.api.conftest import bearer, build_marts, coverage_rows, mart_rows, mint_token
from warehouse.appdb.credentials import CredentialCipher
from warehouse.appdb.models import Connection, ConnectionStatus, Provider, Workspace
from warehouse.appdb.session import open_session
from warehouse.appdb.upserts import upsert_connection
from warehouse.connection import WINDOW_LENGTH, open_warehouse
from warehouse.serving import publish_marts

pytestmark = pytest.mark.asyncio(loop_scope="session")

NOW = datetime(2026, 11, 20, 8, 7, tzinfo=UTC)
AS_OF = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # the last window boundary before NOW


@pytest.fixture(scope="module")
def connections(app_db_url: str, merchants: list[Merchant]) -> dict[str, str]:
    """demo-2's connections: Meta active, Google in error, a shop paused."""
    ids = {}
    with open_session(app_db_url) as session, session.begin():
        workspace = session.scalar(select(Workspace).where(Workspace.slug == merchants[1].slug))
        assert workspace is not None
        for provider, account, name, status in (
            (Provider.META_ADS, "act_1", "Meta", ConnectionStatus.ACTIVE),
            (Provider.GOOGLE_ADS, "123", "Google", ConnectionStatus.ERROR),
            (Provider.SHOPIFY, "shop.myshopify.com", "Shop", ConnectionStatus.PAUSED),
        ):
            connection = upsert_connection(
                session,
                workspace_id=workspace.id,
                provider=provider,
                external_account_id=account,
                display_name=name,
                credentials={"token": "t"},
                cipher=CredentialCipher(Fernet.generate_key()),
                status=status,
            )
            ids[provider] = connection.id
    return ids


def _window_ending(windows_before_as_of: int) -> tuple[datetime, datetime]:
    end = AS_OF - windows_before_as_of * WINDOW_LENGTH
    return end - WINDOW_LENGTH, end


@pytest.fixture
def warehouse_url(
    tmp_path: Path, workspace_ids: dict[str, str], connections: dict[str, str]
) -> str:
    """The marts with fct_landing_freshness: Meta's newest window ended at AS_OF (0 behind),
    Google's one window before (1 behind, but in error), the shop's orders 5 windows before
    (stale), its pixel never landed."""
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    build_marts(url, mart_rows(workspace_ids), coverage_rows(workspace_ids))
    demo_2 = workspace_ids["demo-2"]
    landed = [
        (connections[Provider.META_ADS], "meta_ads", "meta_ads_insights_hourly", 0),
        (connections[Provider.GOOGLE_ADS], "google_ads", "google_ads_ad_group_hourly", 1),
        (connections[Provider.SHOPIFY], "shopify", "shopify_orders", STALE_AFTER_WINDOWS + 1),
        # Another workspace's row for the same connection id never shows in demo-2's answer.
        ("elsewhere", "meta_ads", "meta_ads_insights_hourly", 0),
    ]
    warehouse = open_warehouse(url)
    try:
        warehouse.execute(
            "CREATE TABLE marts.fct_landing_freshness (workspace_id VARCHAR, connection_id "
            "VARCHAR, provider VARCHAR, source_table VARCHAR, last_window_start TIMESTAMPTZ, "
            "last_window_end TIMESTAMPTZ, last_landed_at TIMESTAMPTZ)"
        )
        for connection_id, provider, source_table, behind in landed:
            start, end = _window_ending(behind)
            warehouse.execute(
                "INSERT INTO marts.fct_landing_freshness VALUES (:workspace_id, :connection_id, "
                ":provider, :source_table, :start, :end, :landed_at)",
                {
                    "workspace_id": demo_2 if connection_id != "elsewhere" else "w-other",
                    "connection_id": connection_id,
                    "provider": provider,
                    "source_table": source_table,
                    "start": start,
                    "end": end,
                    "landed_at": end + timedelta(minutes=2),
                },
            )
        publish_marts(warehouse)
    finally:
        warehouse.close()
    return url


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its clock at NOW."""
    app = create_app(settings)
    app.dependency_overrides[current_time] = lambda: NOW
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as api,
    ):
        yield api


@pytest.fixture
def owner_of_demo_2(simulator: SimulatorServer, merchants: list[Merchant]) -> dict[str, str]:
    return bearer(mint_token(simulator, merchants[1]))


async def test_each_source_says_its_newest_window_and_whether_it_is_stale(
    client: httpx.AsyncClient,
    workspace_ids: dict[str, str],
    connections: dict[str, str],
    owner_of_demo_2: dict[str, str],
) -> None:
    response = await client.get(
        f"/v1/workspaces/{workspace_ids['demo-2']}/freshness", headers=owner_of_demo_2
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["as_of"] == "2026-11-20T08:00:00Z"
    assert body["stale_after_windows"] == STALE_AFTER_WINDOWS
    assert body["stale"] is True
    # The session's app database is shared: other modules may connect another shop to demo-2.
    ours = [s for s in body["sources"] if s["connection_id"] in connections.values()]
    by_source = {source["source"]: source for source in ours}
    assert [source["source"] for source in ours] == [
        "google_ads",
        "meta_ads",
        "shopify_orders",
        "shopify_pixel",
    ]
    assert by_source["meta_ads"] == {
        "connection_id": connections[Provider.META_ADS],
        "connection_name": "Meta",
        "provider": "meta_ads",
        "source": "meta_ads",
        "connection_status": "active",
        "last_window": {
            "start": "2026-11-20T07:45:00Z",
            "end": "2026-11-20T08:00:00Z",
            "landed_at": "2026-11-20T08:02:00Z",
        },
        "windows_behind": 0,
        "stale": False,
    }
    # One window behind is fine; a connection in error is stale whatever it landed.
    assert (by_source["google_ads"]["windows_behind"], by_source["google_ads"]["stale"]) == (
        1,
        True,
    )
    assert by_source["google_ads"]["connection_status"] == "error"
    orders = by_source["shopify_orders"]
    assert (orders["windows_behind"], orders["stale"]) == (STALE_AFTER_WINDOWS + 1, True)
    assert orders["connection_status"] == "paused"
    pixel = by_source["shopify_pixel"]
    assert pixel["connection_id"] == connections[Provider.SHOPIFY]
    assert (pixel["last_window"], pixel["windows_behind"], pixel["stale"]) == (None, None, True)


async def test_a_matching_if_none_match_is_304(
    client: httpx.AsyncClient, workspace_ids: dict[str, str], owner_of_demo_2: dict[str, str]
) -> None:
    path = f"/v1/workspaces/{workspace_ids['demo-2']}/freshness"
    first = await client.get(path, headers=owner_of_demo_2)
    again = await client.get(
        path, headers={**owner_of_demo_2, "If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.headers["etag"] == first.headers["etag"]


async def test_a_status_change_changes_the_answer_without_a_publication(
    client: httpx.AsyncClient,
    app_db_url: str,
    workspace_ids: dict[str, str],
    connections: dict[str, str],
    owner_of_demo_2: dict[str, str],
) -> None:
    path = f"/v1/workspaces/{workspace_ids['demo-2']}/freshness"
    before = await client.get(path, headers=owner_of_demo_2)
    with open_session(app_db_url) as session, session.begin():
        connection = session.get(Connection, connections[Provider.GOOGLE_ADS])
        assert connection is not None
        connection.status = ConnectionStatus.ACTIVE
    try:
        after = await client.get(
            path, headers={**owner_of_demo_2, "If-None-Match": before.headers["etag"]}
        )
    finally:
        with open_session(app_db_url) as session, session.begin():
            connection = session.get(Connection, connections[Provider.GOOGLE_ADS])
            assert connection is not None
            connection.status = ConnectionStatus.ERROR

    assert after.status_code == 200
    google = next(s for s in after.json()["sources"] if s["source"] == "google_ads")
    assert (google["connection_status"], google["stale"]) == ("active", False)


async def test_another_workspace_is_404_as_problem_json(
    client: httpx.AsyncClient, workspace_ids: dict[str, str], owner_of_demo_2: dict[str, str]
) -> None:
    response = await client.get(
        f"/v1/workspaces/{workspace_ids['demo-1']}/freshness", headers=owner_of_demo_2
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_before_any_publication_it_is_503_as_problem_json(
    settings: Settings,
    tmp_path: Path,
    workspace_ids: dict[str, str],
    owner_of_demo_2: dict[str, str],
) -> None:
    unpublished = settings.model_copy(
        update={"warehouse_url": f"duckdb:///{tmp_path / 'empty' / 'warehouse.duckdb'}"}
    )
    app = create_app(unpublished)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as api,
    ):
        response = await api.get(
            f"/v1/workspaces/{workspace_ids['demo-2']}/freshness", headers=owner_of_demo_2
        )
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "No analytics data has been published yet."
