"""The demo merchants onboarded as a merchant would be: each connects Meta, Google Ads and
Shopify through the API's OAuth flows, their browser played here against the simulated consent
pages, so the demo's connections, credentials and pixel keys come from the production path."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from metricx.settings import Settings
from simulator.consent import SIM_LOGIN_PARAM
from simulator.merchants import Merchant
from simulator.world import World
from stack.demo import upsert_owned_workspace
from warehouse.appdb.migrate import upgrade
from warehouse.appdb.session import open_session

# A session token outliving the few requests of one merchant's onboarding.
ONBOARDING_TOKEN_SECONDS = 300


class OnboardingFailed(RuntimeError):
    """A step of a merchant's OAuth flow did not answer as it should; the message says which."""


def onboard_demo_merchants(settings: Settings, world: World, simulator_url: str) -> dict[str, str]:
    """Workspaces and owners for the world's merchants (the accounts a first sign-in would make),
    then each merchant's three connections through the OAuth flows. Returns workspace ids by
    merchant slug. Safe to run on every start: a connected account is renewed, not doubled."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from stack.demo import mint_demo_token

    workspace_ids = _workspaces_and_owners(settings, world)
    with TestClient(create_app(settings), base_url="http://metricx-api") as api:
        for merchant in world.merchants:
            token = mint_demo_token(
                simulator_url, merchant.clerk_session_id, ONBOARDING_TOKEN_SECONDS
            )
            browser = _Browser(api, merchant, {"Authorization": f"Bearer {token}"})
            workspace_id = workspace_ids[merchant.slug]
            browser.connect_ads(workspace_id, "meta_ads", merchant.meta_account_id)
            browser.connect_ads(workspace_id, "google_ads", merchant.google_customer_id)
            browser.install_shop(workspace_id, merchant.shop_domain)
    return workspace_ids


def _workspaces_and_owners(settings: Settings, world: World) -> dict[str, str]:
    upgrade(settings.app_database_url)
    with open_session(settings.app_database_url) as session, session.begin():
        workspace_ids = {}
        for merchant in world.merchants:
            workspace = upsert_owned_workspace(session, merchant)
            workspace_ids[merchant.slug] = workspace.id
        return workspace_ids


class _Browser:
    """The merchant's browser: the API's start redirect, the platform's consent page (signed in
    there as the merchant: `sim_login`), the platform's redirect back to the API's callback,
    which lands on the web app's Connections page; there the app reads the query and, for Meta
    and Google, lets the merchant choose the accounts."""

    def __init__(self, api: Any, merchant: Merchant, headers: dict[str, str]) -> None:
        self.api = api  # a TestClient: an httpx-like client of the app, in process
        self.merchant = merchant
        self.headers = headers

    def connect_ads(self, workspace_id: str, provider: str, account_id: str) -> None:
        landing = self._flow(workspace_id, provider, {}, "selection")
        selection = f"/v1/workspaces/{workspace_id}/connections/selections/{landing}"
        offered = self.api.get(selection, headers=self.headers)
        _expect(offered, 200, f"reading {provider} selection")
        if account_id not in {a["external_account_id"] for a in offered.json()["accounts"]}:
            raise OnboardingFailed(f"{provider} consent does not offer account {account_id}")
        chosen = self.api.post(
            selection, json={"external_account_ids": [account_id]}, headers=self.headers
        )
        _expect(chosen, 200, f"choosing {provider} account {account_id}")

    def install_shop(self, workspace_id: str, shop: str) -> None:
        self._flow(workspace_id, "shopify", {"shop": shop}, "connected")

    def _flow(self, workspace_id: str, provider: str, params: dict[str, str], landed: str) -> str:
        """The flow up to its landing page; the value of its query parameter `landed`."""
        step = f"{self.merchant.slug}'s {provider} consent"
        start = self.api.get(
            f"/v1/workspaces/{workspace_id}/connections/oauth/{provider}/start",
            params=params,
            headers=self.headers,
            follow_redirects=False,
        )
        _expect(start, 303, step)
        signed_in = urlencode({SIM_LOGIN_PARAM: self.merchant.slug})
        consent = httpx.get(f"{start.headers['location']}&{signed_in}", timeout=30)
        _expect(consent, 302, step)
        callback = urlsplit(consent.headers["location"])
        answer = self.api.get(
            f"{callback.path}?{callback.query}", headers=_NAVIGATING, follow_redirects=False
        )
        _expect(answer, 303, f"{step} callback")
        page = urlsplit(answer.headers["location"])
        query = dict(parse_qsl(page.query))
        if page.path != f"/workspaces/{workspace_id}/connections" or landed not in query:
            raise OnboardingFailed(f"{step} callback landed on {answer.headers['location']}")
        return query[landed]


# What a browser following a redirect asks for: the callback answers it with the web app's page.
_NAVIGATING = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _expect(response: Any, status: int, step: str) -> None:
    if response.status_code != status:
        raise OnboardingFailed(
            f"{step}: HTTP {response.status_code} instead of {status}: {response.text[:300]}"
        )
