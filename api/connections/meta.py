"""Facebook Login for Meta Ads: the dialog, code → short-lived token → long-lived token
(`fb_exchange_token`), then the token's user (`/me`) and the ad accounts they reach
(`/me/adaccounts`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

from api.connections.platforms import Account, Grant, PlatformError, json_of
from metricx.settings import Settings

# Reading insights and ad objects (ads_read); business_management lists Business-owned accounts.
SCOPES = "ads_read,business_management"
_ACCOUNT_FIELDS = "account_id,name,currency,timezone_name"
_MAX_PAGES = 20


def consent_url(settings: Settings, redirect_uri: str, state: str) -> str:
    query = urlencode(
        {
            "client_id": settings.meta_app_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "scope": SCOPES,
            "response_type": "code",
        }
    )
    return f"{settings.meta_login_base_url}/{settings.meta_api_version}/dialog/oauth?{query}"


def exchange(settings: Settings, http: httpx.Client, code: str, redirect_uri: str) -> Grant:
    token_url = f"{settings.meta_api_base_url}/{settings.meta_api_version}/oauth/access_token"
    app = {"client_id": settings.meta_app_id, "client_secret": settings.meta_app_secret}
    short_lived = json_of(
        http.get(token_url, params={**app, "redirect_uri": redirect_uri, "code": code}),
        "Exchanging Meta's authorization code",
    )["access_token"]
    # A login's token lasts about two hours; the exchanged one sixty days.
    long_lived = json_of(
        http.get(
            token_url,
            params={**app, "grant_type": "fb_exchange_token", "fb_exchange_token": short_lived},
        ),
        "Exchanging Meta's token for a long-lived one",
    )["access_token"]
    return Grant(
        {"access_token": long_lived, "user_id": _user_id(settings, http, long_lived)},
        _ad_accounts(settings, http, long_lived),
    )


def _user_id(settings: Settings, http: httpx.Client, token: str) -> str:
    """The app-scoped id of the token's user: what tells whose app permissions a disconnect
    would revoke (`revoke`), whichever workspace a token was granted in."""
    me = json_of(
        http.get(
            f"{settings.meta_api_base_url}/{settings.meta_api_version}/me",
            params={"fields": "id"},
            headers={"Authorization": f"Bearer {token}"},
        ),
        "Reading the Meta user",
    )
    return str(me["id"])


def _ad_accounts(settings: Settings, http: httpx.Client, token: str) -> list[Account]:
    url: str | None = f"{settings.meta_api_base_url}/{settings.meta_api_version}/me/adaccounts"
    params: dict[str, str] | None = {"fields": _ACCOUNT_FIELDS, "limit": "100"}
    accounts: list[Account] = []
    # The token in a header, not the URL: URLs end up in logs.
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(_MAX_PAGES):
        if url is None:
            break
        page = json_of(http.get(url, params=params, headers=headers), "Listing Meta ad accounts")
        accounts += [
            Account(
                external_account_id=row["account_id"],
                display_name=f"{row.get('name') or row['account_id']} — Meta Ads",
                settings={},
            )
            for row in page.get("data", [])
        ]
        # `next` carries every parameter already.
        url, params = page.get("paging", {}).get("next"), None
    else:
        raise PlatformError("Listing Meta ad accounts failed: too many pages.")
    return accounts


def revoke(settings: Settings, http: httpx.Client, credentials: dict[str, Any]) -> None:
    """De-authorize the app for the token's user (`DELETE /me/permissions`). Meta revokes per
    user, not per token: every token that user gave the app stops working."""
    json_of(
        http.delete(
            f"{settings.meta_api_base_url}/{settings.meta_api_version}/me/permissions",
            headers={"Authorization": f"Bearer {credentials['access_token']}"},
        ),
        "Revoking the Meta app's permissions",
    )
