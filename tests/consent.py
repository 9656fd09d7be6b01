"""A merchant's browser through an OAuth flow: the API's start route, the simulated platform's
consent page (signed in as the merchant), and the platform's redirect back to the API."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import httpx

from simulator.consent import SIM_LOGIN_PARAM
from simulator.merchants import Merchant

# What Chromium asks for when it follows a redirect.
NAVIGATING = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def start_path(workspace_id: str, provider: str) -> str:
    return f"/v1/workspaces/{workspace_id}/connections/oauth/{provider}/start"


def session_token(simulator_url: str, merchant: Merchant) -> str:
    response = httpx.post(
        f"{simulator_url}/clerk/v1/sessions/{merchant.clerk_session_id}/tokens",
        params={"expires_in_seconds": 300},
    )
    response.raise_for_status()
    return response.json()["jwt"]


class MerchantBrowser:
    def __init__(
        self, api: httpx.AsyncClient, simulator_url: str, merchant: Merchant, api_public_url: str
    ) -> None:
        self.api = api
        self.merchant = merchant
        self.api_public_url = api_public_url
        self.headers = {"Authorization": f"Bearer {session_token(simulator_url, merchant)}"}

    async def consent(self, start: str, **params: str) -> httpx.Response:
        """The platform's answer to its consent page: a redirect to the callback, or a page."""
        started = await self.api.get(start, params=params, headers=self.headers)
        assert started.status_code == 303, started.text
        signed_in = urlencode({SIM_LOGIN_PARAM: self.merchant.slug})
        return httpx.get(f"{started.headers['location']}&{signed_in}", follow_redirects=False)

    async def back_to_api(
        self, platform_redirect: httpx.Response, *, navigating: bool = False
    ) -> httpx.Response:
        """The callback, as an API client asks for it, or (`navigating`) as a browser does."""
        assert platform_redirect.status_code == 302, platform_redirect.text
        callback = urlsplit(platform_redirect.headers["location"])
        assert f"{callback.scheme}://{callback.netloc}" == self.api_public_url
        headers = NAVIGATING if navigating else {}
        return await self.api.get(f"{callback.path}?{callback.query}", headers=headers)

    async def connect(
        self, start: str, *, navigating: bool = False, **params: str
    ) -> httpx.Response:
        return await self.back_to_api(await self.consent(start, **params), navigating=navigating)

    async def choose(self, workspace_id: str, selection_id: str, *accounts: str) -> httpx.Response:
        return await self.api.post(
            f"/v1/workspaces/{workspace_id}/connections/selections/{selection_id}",
            json={"external_account_ids": list(accounts)},
            headers=self.headers,
        )
