"""OAuth onboarding end to end: the API, a browser's redirects, and the simulated platforms'
consent, token and listing endpoints over loopback HTTP."""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from metricx.settings import Settings
from orchestration.connectors.google_ads.records import GoogleAdsAdGroupHour
from orchestration.defs.google_ads.resources import GoogleAdsApiResource
from orchestration.lib.resources import AppDatabaseResource
from simulator.google_ads.world import GoogleAdsWorld
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from simulator.shopify.api import ShopifyApi
from simulator.world import World
from stack.demo import upsert_owned_workspace
from stack.simulated import simulated_platform_settings
from tests.api.conftest import bearer, mint_token, seed_app_db
from tests.consent import NAVIGATING, MerchantBrowser, start_path
from warehouse.appdb.credentials import CredentialCipher
from warehouse.appdb.models import Connection, PendingSelection, Workspace
from warehouse.appdb.reconnects import mark_needs_reconnect
from warehouse.appdb.session import open_session
from warehouse.appdb.upserts import upsert_connection

pytestmark = pytest.mark.asyncio(loop_scope="session")

API_PUBLIC_URL = "http://api.metricx.test"


@pytest.fixture
def connections_db_url(tmp_path_factory: pytest.TempPathFactory, merchants: list[Merchant]) -> str:
    """A fresh app database per test: demo-1 and demo-2 with their owners, no connections."""
    url = f"sqlite:///{tmp_path_factory.mktemp('connections') / 'app.db'}"
    seed_app_db(url, merchants)
    return url


@pytest.fixture
def settings(simulator: SimulatorServer, connections_db_url: str, warehouse_url: str) -> Settings:
    return Settings(
        **simulated_platform_settings(simulator.base_url),
        app_database_url=connections_db_url,
        warehouse_url=warehouse_url,
        secret_key=Fernet.generate_key().decode(),
        api_public_url=API_PUBLIC_URL,
    )


@pytest.fixture
def switches(world: World) -> Iterator[World]:
    """The world, its consent switches put back after the test."""
    yield world
    world.meta.login.deny_consent(False)
    GoogleAdsWorld.of(world).deny_consent(False)
    ShopifyApi.of(world).installs.decline_install(False)


def workspace_id(settings: Settings, slug: str) -> str:
    with open_session(settings.app_database_url) as session:
        return session.scalars(select(Workspace.id).where(Workspace.slug == slug)).one()


def stored_connections(settings: Settings) -> list[Connection]:
    with open_session(settings.app_database_url) as session:
        return list(session.scalars(select(Connection).order_by(Connection.provider)))


async def test_meta_consent_long_lived_token_and_account_choice(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
) -> None:
    merchant = merchants[0]
    workspace = workspace_id(settings, merchant.slug)
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)

    callback = await browser.connect(start_path(workspace, "meta_ads"))

    assert callback.status_code == 201, callback.text
    selection = callback.json()
    assert selection["accounts"] == [
        {
            "external_account_id": merchant.meta_account_id,
            "display_name": f"{merchant.name} — Meta Ads",
            "manager_path": [],
        }
    ]
    assert stored_connections(settings) == []  # nothing connected before the choice
    chosen = await client.post(
        f"/v1/workspaces/{workspace}/connections/selections/{selection['id']}",
        json={"external_account_ids": [merchant.meta_account_id]},
        headers=browser.headers,
    )
    assert chosen.status_code == 200, chosen.text
    listed = await client.get(f"/v1/workspaces/{workspace}/connections", headers=browser.headers)
    [connection] = listed.json()["connections"]
    assert (connection["provider"], connection["external_account_id"], connection["status"]) == (
        "meta_ads",
        merchant.meta_account_id,
        "active",
    )
    # The long-lived token is stored encrypted, never answered, and reads the account.
    [row] = stored_connections(settings)
    token = CredentialCipher(settings.secret_key).decrypt(row.credentials_encrypted)["access_token"]
    assert token not in listed.text and token.encode() not in row.credentials_encrypted
    account = httpx.get(
        f"{simulator.base_url}/meta/v21.0/act_{merchant.meta_account_id}",
        params={"fields": "name"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert account.status_code == 200
    # The selection was used up.
    again = await client.post(
        f"/v1/workspaces/{workspace}/connections/selections/{selection['id']}",
        json={"external_account_ids": [merchant.meta_account_id]},
        headers=browser.headers,
    )
    assert again.status_code == 404


async def test_google_offline_consent_refresh_token_and_hierarchy(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
) -> None:
    merchant = merchants[1]
    workspace = workspace_id(settings, merchant.slug)
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)

    callback = await browser.connect(start_path(workspace, "google_ads"))

    assert callback.status_code == 201, callback.text
    selection = callback.json()
    assert [a["external_account_id"] for a in selection["accounts"]] == [
        merchant.google_customer_id
    ]
    chosen = await client.post(
        f"/v1/workspaces/{workspace}/connections/selections/{selection['id']}",
        json={"external_account_ids": [merchant.google_customer_id]},
        headers=browser.headers,
    )
    assert chosen.status_code == 200, chosen.text
    [row] = stored_connections(settings)
    assert (row.provider, row.external_account_id, row.status) == (
        "google_ads",
        merchant.google_customer_id,
        "active",
    )
    refresh_token = CredentialCipher(settings.secret_key).decrypt(row.credentials_encrypted)[
        "refresh_token"
    ]
    refreshed = httpx.post(
        settings.google_oauth_token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": settings.google_oauth_client_id,
            "client_secret": settings.google_oauth_client_secret,
        },
    )
    assert refreshed.status_code == 200 and refreshed.json()["access_token"]


async def test_shopify_install_offline_token_pixel_key_and_web_pixel(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
    world: World,
) -> None:
    merchant = merchants[0]
    workspace = workspace_id(settings, merchant.slug)
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    shopify = ShopifyApi.of(world)
    shopify.web_pixels.pop(merchant.shop_domain, None)

    callback = await browser.connect(start_path(workspace, "shopify"), shop=merchant.shop_domain)

    assert callback.status_code == 201, callback.text
    assert callback.json()["external_account_id"] == merchant.shop_domain
    [row] = stored_connections(settings)
    assert row.status == "active" and row.pixel_key
    assert json.loads(shopify.web_pixels[merchant.shop_domain]) == {"pixelKey": row.pixel_key}
    token = CredentialCipher(settings.secret_key).decrypt(row.credentials_encrypted)["access_token"]
    assert token.startswith("shpat_") and token != merchant.shopify_access_token
    assert shopify.installs.valid(merchant, token)


@pytest.mark.parametrize("provider", ["meta_ads", "google_ads"])
async def test_denied_consent_connects_nothing(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
    switches: World,
    provider: str,
) -> None:
    merchant = merchants[0]
    workspace = workspace_id(settings, merchant.slug)
    if provider == "meta_ads":
        switches.meta.login.deny_consent()
    else:
        GoogleAdsWorld.of(switches).deny_consent()

    callback = await MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL).connect(
        start_path(workspace, provider)
    )

    assert callback.status_code == 403
    assert callback.headers["content-type"] == "application/problem+json"
    assert stored_connections(settings) == []


async def test_declined_shopify_install_never_calls_back(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
    switches: World,
) -> None:
    merchant = merchants[0]
    ShopifyApi.of(switches).installs.decline_install()

    page = await MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL).consent(
        start_path(workspace_id(settings, merchant.slug), "shopify"), shop=merchant.shop_domain
    )

    assert page.status_code == 200 and "location" not in page.headers
    assert stored_connections(settings) == []


@pytest.mark.parametrize(
    ("provider", "params"),
    [("meta_ads", {}), ("google_ads", {}), ("shopify", {"shop": "demo-1.myshopify.com"})],
)
async def test_a_state_is_single_use(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
    provider: str,
    params: dict[str, str],
) -> None:
    merchant = merchants[0]
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    redirect = await browser.consent(
        start_path(workspace_id(settings, merchant.slug), provider), **params
    )

    first = await browser.back_to_api(redirect)
    replayed = await browser.back_to_api(redirect)

    assert first.status_code == 201
    assert replayed.status_code == 403
    assert "already used" in replayed.json()["detail"]


async def test_a_state_of_another_flow_or_forged_is_refused(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
) -> None:
    merchant = merchants[0]
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    workspace = workspace_id(settings, merchant.slug)
    meta_redirect = urlsplit(
        (await browser.consent(start_path(workspace, "meta_ads"))).headers["location"]
    )
    meta_query = dict(parse_qsl(meta_redirect.query))

    # Meta's state brought to Google's callback.
    other_flow = await client.get(
        "/v1/connections/oauth/google_ads/callback",
        params={"code": "4/0Asim-any", "state": meta_query["state"]},
    )
    # A state this API never issued (signed with another key).
    forged_state = CredentialCipher(Fernet.generate_key()).encrypt({"nonce": "x"}).decode()
    forged = await client.get(
        "/v1/connections/oauth/meta_ads/callback",
        params={"code": meta_query["code"], "state": forged_state},
    )
    tampered = await client.get(
        "/v1/connections/oauth/meta_ads/callback",
        params={"code": meta_query["code"], "state": meta_query["state"][:-4] + "AAAA"},
    )

    assert [r.status_code for r in (other_flow, forged, tampered)] == [403, 403, 403]
    # The genuine callback still works: none of those consumed its state.
    genuine = await client.get(f"{meta_redirect.path}?{meta_redirect.query}")
    assert genuine.status_code == 201


async def test_shopify_callback_needs_its_hmac_and_the_shop_it_started_for(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
) -> None:
    merchant = merchants[0]
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    redirect = await browser.consent(
        start_path(workspace_id(settings, merchant.slug), "shopify"), shop=merchant.shop_domain
    )
    query = dict(parse_qsl(urlsplit(redirect.headers["location"]).query))
    path = "/v1/connections/oauth/shopify/callback"

    tampered = await client.get(path, params={**query, "shop": "demo-2.myshopify.com"})
    no_hmac = await client.get(path, params={k: v for k, v in query.items() if k != "hmac"})
    bad_start = await client.get(
        start_path(workspace_id(settings, merchant.slug), "shopify"),
        params={"shop": "evil.example.com/x"},
        headers=browser.headers,
    )

    assert [tampered.status_code, no_hmac.status_code, bad_start.status_code] == [403, 403, 422]
    assert stored_connections(settings) == []


async def test_a_selection_is_its_members_only(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
) -> None:
    owner, other = merchants[0], merchants[1]
    workspace = workspace_id(settings, owner.slug)
    selection = (
        await MerchantBrowser(client, simulator.base_url, owner, API_PUBLIC_URL).connect(
            start_path(workspace, "meta_ads")
        )
    ).json()

    stranger = await client.post(
        f"/v1/workspaces/{workspace}/connections/selections/{selection['id']}",
        json={"external_account_ids": [owner.meta_account_id]},
        headers=bearer(mint_token(simulator, other)),
    )
    not_offered = await client.post(
        f"/v1/workspaces/{workspace}/connections/selections/{selection['id']}",
        json={"external_account_ids": [other.meta_account_id]},
        headers=bearer(mint_token(simulator, owner)),
    )

    assert stranger.status_code == 404
    assert not_offered.status_code == 422
    assert stored_connections(settings) == []


def landing(response: httpx.Response) -> tuple[str, dict[str, str]]:
    """The web app's page a browser's callback sends it to: path and query."""
    assert response.status_code == 303, response.text
    page = urlsplit(response.headers["location"])
    assert not page.netloc  # the app is served by the API: same origin
    return page.path, dict(parse_qsl(page.query))


async def test_a_browsers_consent_lands_on_the_connections_page_to_choose_accounts(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
) -> None:
    merchant = merchants[0]
    workspace = workspace_id(settings, merchant.slug)
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    # The web app starts with a POST (its navigation cannot carry the session token).
    started = await client.post(
        f"/v1/workspaces/{workspace}/connections/oauth/meta_ads/start", headers=browser.headers
    )
    assert started.status_code == 200, started.text
    consent = httpx.get(f"{started.json()['url']}&sim_login={merchant.slug}")

    path, query = landing(await browser.back_to_api(consent, navigating=True))

    assert path == f"/workspaces/{workspace}/connections"
    selection = f"/v1/workspaces/{workspace}/connections/selections/{query['selection']}"
    offered = await client.get(selection, headers=browser.headers)
    assert offered.status_code == 200, offered.text
    assert [a["external_account_id"] for a in offered.json()["accounts"]] == [
        merchant.meta_account_id
    ]
    # Another member of nobody's selection: not theirs to read.
    stranger = await client.get(selection, headers=bearer(mint_token(simulator, merchants[1])))
    assert stranger.status_code == 404
    assert stored_connections(settings) == []
    chosen = await browser.choose(workspace, query["selection"], merchant.meta_account_id)
    assert chosen.status_code == 200, chosen.text
    assert (await client.get(selection, headers=browser.headers)).status_code == 404


async def test_a_browsers_shop_install_lands_on_the_connections_page_with_the_connection(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
) -> None:
    merchant = merchants[0]
    workspace = workspace_id(settings, merchant.slug)
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)

    path, query = landing(
        await browser.connect(
            start_path(workspace, "shopify"), navigating=True, shop=merchant.shop_domain
        )
    )

    [row] = stored_connections(settings)
    assert (path, query) == (f"/workspaces/{workspace}/connections", {"connected": row.id})


async def test_a_browsers_refused_callback_lands_with_what_went_wrong(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
    switches: World,
) -> None:
    merchant = merchants[0]
    workspace = workspace_id(settings, merchant.slug)
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    GoogleAdsWorld.of(switches).deny_consent()

    declined = landing(await browser.connect(start_path(workspace, "google_ads"), navigating=True))
    forged = landing(
        await client.get(
            "/v1/connections/oauth/meta_ads/callback",
            params={"code": "AQ-any", "state": "not-a-state"},
            headers=NAVIGATING,
        )
    )

    assert declined == (
        f"/workspaces/{workspace}/connections",
        {"error": "consent_declined", "provider": "google_ads"},
    )
    # A state this API never issued tells no workspace: the app picks the member's.
    assert forged == ("/connections", {"error": "invalid_state", "provider": "meta_ads"})
    assert stored_connections(settings) == []


async def test_the_simulated_consent_page_signs_a_browser_in_as_a_merchant(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
) -> None:
    merchant = merchants[1]
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    started = await client.get(
        start_path(workspace_id(settings, merchant.slug), "meta_ads"), headers=browser.headers
    )

    page = httpx.get(started.headers["location"], headers=NAVIGATING)

    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    [link] = [
        href
        for href in re.findall(r'href="([^"]+)"', page.text)
        if f"sim_login={merchant.slug}" in href
    ]
    consent = httpx.get(
        f"{simulator.base_url}/facebook{html.unescape(link).split('/facebook', 1)[1]}"
    )
    assert (await browser.back_to_api(consent)).status_code == 201


async def test_disconnect_stops_syncing_and_forgets_the_credentials(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
) -> None:
    merchant = merchants[0]
    workspace = workspace_id(settings, merchant.slug)
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    connection = (
        await browser.connect(start_path(workspace, "shopify"), shop=merchant.shop_domain)
    ).json()
    url = f"/v1/workspaces/{workspace}/connections/{connection['id']}"

    stranger = await client.delete(url, headers=bearer(mint_token(simulator, merchants[1])))
    deleted = await client.delete(url, headers=browser.headers)
    shown = await client.get(url, headers=browser.headers)

    assert stranger.status_code == 404
    assert deleted.status_code == 204
    assert shown.json()["status"] == "disconnected"
    [row] = stored_connections(settings)
    assert CredentialCipher(settings.secret_key).decrypt(row.credentials_encrypted) == {}


async def test_reconnecting_resumes_and_asks_for_the_missed_windows(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
) -> None:
    merchant = merchants[0]
    workspace = workspace_id(settings, merchant.slug)
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    connection = (
        await browser.connect(start_path(workspace, "shopify"), shop=merchant.shop_domain)
    ).json()
    since = datetime(2026, 12, 1, 10, 15, tzinfo=UTC)
    with open_session(settings.app_database_url) as session, session.begin():
        mark_needs_reconnect(session, [connection["id"]], since)
    url = f"/v1/workspaces/{workspace}/connections/{connection['id']}"
    assert (await client.get(url, headers=browser.headers)).json()["status"] == "needs_reconnect"

    before = datetime.now(UTC)
    reconnected = await browser.connect(start_path(workspace, "shopify"), shop=merchant.shop_domain)

    assert reconnected.status_code == 201
    assert reconnected.json()["id"] == connection["id"]  # the same connection, its history kept
    [row] = stored_connections(settings)
    assert (row.status, row.needs_reconnect_since, row.backfill_from) == ("active", None, since)
    assert row.backfill_until is not None
    assert before - timedelta(seconds=1) <= row.backfill_until <= datetime.now(UTC)


async def test_a_google_client_account_under_a_manager_is_offered_and_read_through_it(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
    world: World,
) -> None:
    # demo-3's Google user reaches only its agency's manager account; the ad account is a
    # client of it.
    merchant = merchants[2]
    assert merchant.google_manager_customer_id is not None
    with open_session(settings.app_database_url) as session, session.begin():
        workspace = upsert_owned_workspace(session, merchant).id
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)

    callback = await browser.connect(start_path(workspace, "google_ads"))

    assert callback.status_code == 201, callback.text
    # The manager is expanded into its client, shown with the path it is reached through.
    assert callback.json()["accounts"] == [
        {
            "external_account_id": merchant.google_customer_id,
            "display_name": f"{merchant.name} — Google Ads",
            "manager_path": [merchant.google_manager_name],
        }
    ]
    not_an_ad_account = await browser.choose(
        workspace, callback.json()["id"], merchant.google_manager_customer_id
    )
    assert not_an_ad_account.status_code == 422
    chosen = await browser.choose(workspace, callback.json()["id"], merchant.google_customer_id)
    assert chosen.status_code == 200, chosen.text
    [row] = stored_connections(settings)
    assert row.settings == {"login_customer_id": merchant.google_manager_customer_id}

    # The pipeline's Google Ads client, given the stored connection, reads the account's spend
    # through the manager: the simulator's to the micro.
    [target] = AppDatabaseResource(
        url=settings.app_database_url, secret_key=settings.secret_key
    ).sync_targets("google_ads")
    api = GoogleAdsApiResource(
        base_url=settings.google_ads_api_base_url,
        api_version=settings.google_ads_api_version,
        developer_token=settings.google_ads_developer_token,
        oauth_token_url=settings.google_oauth_token_url,
        oauth_client_id=settings.google_oauth_client_id,
        oauth_client_secret=settings.google_oauth_client_secret,
    )
    day = world.now().astimezone(merchant.tz).date() - timedelta(days=1)
    with api.client(target) as google_ads:
        rows = list(google_ads.iter_hourly_ad_group_metrics(target.external_account_id, day, day))
    truth = GoogleAdsWorld.of(world).cost_micros_by_day(merchant.google_customer_id, day, day)
    assert truth[day] > 0
    assert (
        sum(row.cost_micros for row in rows if isinstance(row, GoogleAdsAdGroupHour))
        == (truth[day])
    )
    assert all(isinstance(row, GoogleAdsAdGroupHour) for row in rows)


def platform_accepts(
    provider: str, settings: Settings, merchant: Merchant, credentials: dict[str, str]
) -> bool:
    """Whether the platform still takes the credentials, asked the way the pipeline uses them."""
    if provider == "meta_ads":
        return httpx.get(
            f"{settings.meta_api_base_url}/{settings.meta_api_version}"
            f"/act_{merchant.meta_account_id}",
            params={"fields": "name"},
            headers={"Authorization": f"Bearer {credentials['access_token']}"},
        ).is_success
    if provider == "google_ads":
        return httpx.post(
            settings.google_oauth_token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": credentials["refresh_token"],
                "client_id": settings.google_oauth_client_id,
                "client_secret": settings.google_oauth_client_secret,
            },
        ).is_success
    shop = settings.shopify_admin_base_url.format(shop=merchant.shop_domain)
    return httpx.post(
        f"{shop}/admin/api/{settings.shopify_api_version}/graphql.json",
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": credentials["access_token"]},
    ).is_success


def assert_only_connection_forgotten(settings: Settings) -> None:
    """The workspace's one connection is disconnected, its credentials forgotten."""
    [row] = stored_connections(settings)
    assert row.status == "disconnected"
    assert CredentialCipher(settings.secret_key).decrypt(row.credentials_encrypted) == {}


async def connect_one(
    browser: MerchantBrowser, workspace: str, provider: str, account_id: str
) -> str:
    """Connect the account through the provider's OAuth flow; its connection's id."""
    if provider == "shopify":
        answer = await browser.connect(start_path(workspace, provider), shop=account_id)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])
    selection = (await browser.connect(start_path(workspace, provider))).json()
    [connection] = (await browser.choose(workspace, selection["id"], account_id)).json()[
        "connections"
    ]
    return str(connection["id"])


def revocations(world: World, provider: str) -> int:
    """How many grants the simulated platform has revoked so far."""
    return len(
        {
            "meta_ads": world.meta.login.revocations,
            "google_ads": GoogleAdsWorld.of(world).revocations,
            "shopify": ShopifyApi.of(world).installs.uninstalls,
        }[provider]
    )


def account_of(provider: str, merchant: Merchant) -> str:
    return {
        "meta_ads": merchant.meta_account_id,
        "google_ads": merchant.google_customer_id,
        "shopify": merchant.shop_domain,
    }[provider]


@pytest.mark.parametrize("provider", ["meta_ads", "google_ads", "shopify"])
async def test_disconnect_revokes_the_grant_at_the_platform(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
    world: World,
    provider: str,
) -> None:
    merchant = merchants[1]
    workspace = workspace_id(settings, merchant.slug)
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    connection_id = await connect_one(browser, workspace, provider, account_of(provider, merchant))
    [row] = stored_connections(settings)
    credentials = CredentialCipher(settings.secret_key).decrypt(row.credentials_encrypted)
    assert platform_accepts(provider, settings, merchant, credentials)
    revoked_before = revocations(world, provider)

    deleted = await client.delete(
        f"/v1/workspaces/{workspace}/connections/{connection_id}", headers=browser.headers
    )

    assert deleted.status_code == 204
    assert revocations(world, provider) == revoked_before + 1
    assert not platform_accepts(provider, settings, merchant, credentials)
    assert_only_connection_forgotten(settings)


async def test_a_grant_another_connection_still_uses_is_not_revoked(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
    world: World,
) -> None:
    merchant = merchants[0]
    workspace = workspace_id(settings, merchant.slug)
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    connection_id = await connect_one(browser, workspace, "google_ads", merchant.google_customer_id)
    revoked_before = revocations(world, "google_ads")
    cipher = CredentialCipher(settings.secret_key)
    [row] = stored_connections(settings)
    credentials = cipher.decrypt(row.credentials_encrypted)
    # A second account chosen from the same consent holds the same grant.
    with open_session(settings.app_database_url) as session, session.begin():
        upsert_connection(
            session,
            workspace_id=workspace,
            provider="google_ads",
            external_account_id="5000000999",
            display_name="Second account — Google Ads",
            credentials=credentials,
            cipher=cipher,
        )

    deleted = await client.delete(
        f"/v1/workspaces/{workspace}/connections/{connection_id}", headers=browser.headers
    )

    assert deleted.status_code == 204
    assert revocations(world, "google_ads") == revoked_before
    assert platform_accepts("google_ads", settings, merchant, credentials)


async def _meta_in_two_workspaces(
    client: httpx.AsyncClient, browser: MerchantBrowser, settings: Settings, merchant: Merchant
) -> tuple[tuple[str, str], tuple[str, str]]:
    """The merchant's Meta account connected in their workspace and in a second one they create,
    a consent each: (workspace id, connection id) of both."""
    first = workspace_id(settings, merchant.slug)
    created = await client.post(
        "/v1/workspaces",
        json={"name": "Client B", "currency": merchant.currency, "timezone": merchant.timezone},
        headers=browser.headers,
    )
    assert created.status_code == 201, created.text
    second = created.json()["id"]
    return (
        (first, await connect_one(browser, first, "meta_ads", merchant.meta_account_id)),
        (second, await connect_one(browser, second, "meta_ads", merchant.meta_account_id)),
    )


async def test_a_meta_user_connected_in_two_workspaces_keeps_the_other_after_a_disconnect(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
    world: World,
) -> None:
    """Meta revokes per user: an agency's Facebook user who connected the same ad account in
    two workspaces (a consent, a token, in each) disconnects one, and the other keeps syncing;
    the last disconnect revokes the app."""
    merchant = merchants[0]
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    (first, first_connection), (second, second_connection) = await _meta_in_two_workspaces(
        client, browser, settings, merchant
    )
    cipher = CredentialCipher(settings.secret_key)
    grants = {
        row.id: cipher.decrypt(row.credentials_encrypted) for row in stored_connections(settings)
    }
    # Two consents, two tokens, one user: the id Graph's /me answers for it.
    assert grants[first_connection]["access_token"] != grants[second_connection]["access_token"]
    assert {grant["user_id"] for grant in grants.values()} == {merchant.meta_user_id}
    revoked_before = revocations(world, "meta_ads")

    deleted = await client.delete(
        f"/v1/workspaces/{first}/connections/{first_connection}", headers=browser.headers
    )

    assert deleted.status_code == 204
    assert revocations(world, "meta_ads") == revoked_before
    assert platform_accepts("meta_ads", settings, merchant, grants[second_connection])
    statuses = {row.id: row.status for row in stored_connections(settings)}
    assert statuses == {first_connection: "disconnected", second_connection: "active"}

    deleted = await client.delete(
        f"/v1/workspaces/{second}/connections/{second_connection}", headers=browser.headers
    )

    assert deleted.status_code == 204
    assert revocations(world, "meta_ads") == revoked_before + 1
    assert not platform_accepts("meta_ads", settings, merchant, grants[second_connection])


@pytest.mark.parametrize("user_recorded", [True, False], ids=["user recorded", "stored before"])
async def test_another_users_meta_connection_under_a_replaced_key_is_not_in_the_way(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
    world: World,
    user_recorded: bool,
) -> None:
    """Another user's Meta connection sealed under a key since replaced, which no one can open:
    with its user recorded it is not opened (the disconnect finds the user's own connections by
    that user); stored before users were recorded, it is tried and holds no grant."""
    merchant = merchants[0]
    workspace = workspace_id(settings, merchant.slug)
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    connection_id = await connect_one(browser, workspace, "meta_ads", merchant.meta_account_id)
    with open_session(settings.app_database_url) as session, session.begin():
        other = upsert_connection(
            session,
            workspace_id=workspace_id(settings, merchants[1].slug),
            provider="meta_ads",
            external_account_id="act_999",
            display_name="Another user's account",
            credentials={"access_token": "EAAother", "user_id": "another-meta-user"},
            cipher=CredentialCipher(Fernet.generate_key()),
        )
        if not user_recorded:
            other.grant_user_id = None
    revoked_before = revocations(world, "meta_ads")

    deleted = await client.delete(
        f"/v1/workspaces/{workspace}/connections/{connection_id}", headers=browser.headers
    )

    assert deleted.status_code == 204, deleted.text
    assert revocations(world, "meta_ads") == revoked_before + 1
    users = {row.external_account_id: row.grant_user_id for row in stored_connections(settings)}
    other_user = "another-meta-user" if user_recorded else None
    assert users == {merchant.meta_account_id: None, "act_999": other_user}


async def test_a_selection_sealed_under_a_replaced_key_is_gone_not_a_server_error(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
) -> None:
    """The key changed while the member was choosing: no one can use the consent, so the choice
    is answered as for an expired selection, and nothing is connected."""
    merchant = merchants[0]
    workspace = workspace_id(settings, merchant.slug)
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    selection = (await browser.connect(start_path(workspace, "meta_ads"))).json()
    with open_session(settings.app_database_url) as session, session.begin():
        session.get_one(PendingSelection, selection["id"]).credentials_encrypted = CredentialCipher(
            Fernet.generate_key()
        ).encrypt({"access_token": "EAAlost"})

    chosen = await browser.choose(workspace, selection["id"], merchant.meta_account_id)

    assert chosen.status_code == 404, chosen.text
    assert "connect again" in chosen.json()["detail"]
    assert stored_connections(settings) == []
    with open_session(settings.app_database_url) as session:
        assert session.get(PendingSelection, selection["id"]) is None


async def test_a_connection_sealed_under_a_replaced_key_can_still_be_disconnected(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
    world: World,
) -> None:
    """Its credentials are forgotten and its syncing stops; nothing can be revoked, as no one
    can read the grant."""
    merchant = merchants[0]
    workspace = workspace_id(settings, merchant.slug)
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    connection_id = await connect_one(browser, workspace, "meta_ads", merchant.meta_account_id)
    with open_session(settings.app_database_url) as session, session.begin():
        connection = session.get_one(Connection, connection_id)
        connection.credentials_encrypted = CredentialCipher(Fernet.generate_key()).encrypt(
            {"access_token": "EAAlost", "user_id": merchant.meta_user_id}
        )
    revoked_before = revocations(world, "meta_ads")

    deleted = await client.delete(
        f"/v1/workspaces/{workspace}/connections/{connection_id}", headers=browser.headers
    )

    assert deleted.status_code == 204, deleted.text
    assert revocations(world, "meta_ads") == revoked_before
    assert_only_connection_forgotten(settings)


async def test_a_meta_connection_stored_before_its_user_was_recorded_still_keeps_the_grant(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
    world: World,
) -> None:
    """A connection sealed before its user was kept in clear is opened to tell whose it is
    (once: its user is recorded then)."""
    merchant = merchants[0]
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    (first, first_connection), (_, second_connection) = await _meta_in_two_workspaces(
        client, browser, settings, merchant
    )
    with open_session(settings.app_database_url) as session, session.begin():
        session.get_one(Connection, second_connection).grant_user_id = None
    revoked_before = revocations(world, "meta_ads")

    deleted = await client.delete(
        f"/v1/workspaces/{first}/connections/{first_connection}", headers=browser.headers
    )

    assert deleted.status_code == 204
    assert revocations(world, "meta_ads") == revoked_before
    users = {row.id: row.grant_user_id for row in stored_connections(settings)}
    assert users == {first_connection: None, second_connection: merchant.meta_user_id}


async def test_a_failed_revoke_does_not_block_the_disconnect(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    merchant = merchants[0]
    workspace = workspace_id(settings, merchant.slug)
    browser = MerchantBrowser(client, simulator.base_url, merchant, API_PUBLIC_URL)
    connection_id = await connect_one(browser, workspace, "google_ads", merchant.google_customer_id)
    [row] = stored_connections(settings)
    refresh_token = CredentialCipher(settings.secret_key).decrypt(row.credentials_encrypted)[
        "refresh_token"
    ]
    # The merchant removed metricx's access in their Google account already: Google refuses to
    # revoke it again.
    assert httpx.post(settings.google_oauth_revoke_url, data={"token": refresh_token}).is_success

    with caplog.at_level(logging.WARNING, logger="api.connections.revocation"):
        deleted = await client.delete(
            f"/v1/workspaces/{workspace}/connections/{connection_id}", headers=browser.headers
        )

    assert deleted.status_code == 204
    assert_only_connection_forgotten(settings)
    [warning] = [r for r in caplog.records if r.name == "api.connections.revocation"]
    assert connection_id in warning.getMessage() and "HTTP 400" in warning.getMessage()
    assert refresh_token not in warning.getMessage()
