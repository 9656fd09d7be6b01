"""The simulated consent pages and token endpoints: codes are single-use and bound to their
redirect URI, and a revoked grant stops working on the platform's API while a new one works."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from simulator.google_ads.world import GoogleAdsWorld
from simulator.meta_ads.login import META_APP_ID, META_APP_SECRET
from simulator.server import SimulatorServer
from simulator.shopify.api import ShopifyApi
from simulator.shopify.app_install import SHOPIFY_API_KEY, SHOPIFY_API_SECRET, callback_hmac
from simulator.world import World

REDIRECT_URI = "https://api.example.test/callback"


@pytest.fixture(scope="module")
def world() -> World:
    return World(merchants=2)


@pytest.fixture(scope="module")
def simulator(world: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(world) as server:
        yield server


def redirected_query(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    return dict(parse_qsl(urlsplit(response.headers["location"]).query))


def meta_token(base: str, merchant_slug: str) -> str:
    consent = httpx.get(
        f"{base}/facebook/v21.0/dialog/oauth",
        params={"client_id": META_APP_ID, "redirect_uri": REDIRECT_URI, "sim_login": merchant_slug},
    )
    code = redirected_query(consent)["code"]
    exchanged = httpx.get(
        f"{base}/meta/v21.0/oauth/access_token",
        params={
            "client_id": META_APP_ID,
            "client_secret": META_APP_SECRET,
            "redirect_uri": REDIRECT_URI,
            "code": code,
        },
    )
    assert exchanged.status_code == 200
    # The same code again: refused.
    replayed = httpx.get(exchanged.request.url)
    assert replayed.status_code == 400 and replayed.json()["error"]["code"] == 100
    return str(exchanged.json()["access_token"])


def test_meta_revocation_stops_old_tokens_and_a_new_login_works(
    world: World, simulator: SimulatorServer
) -> None:
    merchant = world.merchants[0]
    base = simulator.base_url
    old = meta_token(base, merchant.slug)

    def account(token: str) -> httpx.Response:
        return httpx.get(
            f"{base}/meta/v21.0/act_{merchant.meta_account_id}",
            headers={"Authorization": f"Bearer {token}"},
        )

    assert account(old).status_code == 200
    world.meta.login.revoke(merchant)
    refused = account(old)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == 190
    assert account(meta_token(base, merchant.slug)).status_code == 200


def test_google_codes_are_bound_to_their_redirect_uri_and_revocation_is_invalid_grant(
    world: World, simulator: SimulatorServer
) -> None:
    merchant = world.merchants[1]
    google = GoogleAdsWorld.of(world)
    base = simulator.base_url

    def consent() -> str:
        answer = httpx.get(
            f"{base}/google-oauth/auth",
            params={
                "client_id": "sim-client-id",
                "redirect_uri": REDIRECT_URI,
                "scope": "https://www.googleapis.com/auth/adwords",
                "access_type": "offline",
                "sim_login": merchant.slug,
            },
        )
        return redirected_query(answer)["code"]

    def token(grant: dict[str, str]) -> httpx.Response:
        return httpx.post(
            f"{base}/google-oauth/token",
            data={"client_id": "sim-client-id", "client_secret": "sim-client-secret", **grant},
        )

    elsewhere = token(
        {"grant_type": "authorization_code", "code": consent(), "redirect_uri": "https://x/cb"}
    )
    assert elsewhere.json()["error"] == "invalid_grant"
    granted = token(
        {"grant_type": "authorization_code", "code": consent(), "redirect_uri": REDIRECT_URI}
    ).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": granted["refresh_token"]}
    assert token(refresh).status_code == 200
    google.revoke_refresh_tokens(merchant)
    revoked = token(refresh)
    assert (revoked.status_code, revoked.json()["error"]) == (400, "invalid_grant")


def test_shopify_install_callback_is_signed_and_its_token_revocable(
    world: World, simulator: SimulatorServer
) -> None:
    merchant = world.merchants[0]
    shop_api = ShopifyApi.of(world)
    base = f"{simulator.base_url}/shopify/{merchant.shop_domain}"
    callback = redirected_query(
        httpx.get(
            f"{base}/admin/oauth/authorize",
            params={"client_id": SHOPIFY_API_KEY, "redirect_uri": REDIRECT_URI, "state": "s1"},
        )
    )
    assert callback["hmac"] == callback_hmac(callback, SHOPIFY_API_SECRET)
    assert (callback["shop"], callback["state"]) == (merchant.shop_domain, "s1")
    exchanged = httpx.post(
        f"{base}/admin/oauth/access_token",
        json={
            "client_id": SHOPIFY_API_KEY,
            "client_secret": SHOPIFY_API_SECRET,
            "code": callback["code"],
        },
    )
    token = exchanged.json()["access_token"]

    def orders() -> httpx.Response:
        return httpx.post(
            f"{base}/admin/api/2025-01/graphql.json",
            headers={"X-Shopify-Access-Token": token},
            json={"query": "{ currentBulkOperation { id } }"},
        )

    assert orders().status_code == 200
    shop_api.installs.revoke(merchant)
    assert orders().status_code == 401
