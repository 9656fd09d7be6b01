"""Google's OAuth 2.0 for Google Ads: offline consent → refresh token, then the customers the
user reaches (`customers:listAccessibleCustomers`) and, under each manager (MCC), its client
accounts (`customer_client`), of which the merchant chooses."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

from api.connections.platforms import Account, Grant, PlatformError, json_of
from metricx.settings import Settings

SCOPE = "https://www.googleapis.com/auth/adwords"
# Level 0 is the customer itself, level 1 a manager's direct clients (Google's documented way
# to read an account hierarchy).
_HIERARCHY_QUERY = (
    "SELECT customer_client.client_customer, customer_client.level, customer_client.manager, "
    "customer_client.descriptive_name, customer_client.id "
    "FROM customer_client WHERE customer_client.level <= 1"
)


def consent_url(settings: Settings, redirect_uri: str, state: str) -> str:
    query = urlencode(
        {
            "client_id": settings.google_oauth_client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": SCOPE,
            # A refresh token, so the pipeline can act while the merchant is away; `consent`
            # makes Google issue one again on a reconnect.
            "access_type": "offline",
            "prompt": "consent",
            "include_granted_scopes": "true",
            "state": state,
        }
    )
    return f"{settings.google_oauth_authorize_url}?{query}"


def exchange(settings: Settings, http: httpx.Client, code: str, redirect_uri: str) -> Grant:
    tokens = json_of(
        http.post(
            settings.google_oauth_token_url,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": settings.google_oauth_client_id,
                "client_secret": settings.google_oauth_client_secret,
            },
        ),
        "Exchanging Google's authorization code",
    )
    if "refresh_token" not in tokens:
        raise PlatformError("Google granted no refresh token: the consent was not offline.")
    return Grant(
        {"refresh_token": tokens["refresh_token"]},
        _accounts(settings, http, tokens["access_token"]),
    )


def _accounts(settings: Settings, http: httpx.Client, access_token: str) -> list[Account]:
    base = f"{settings.google_ads_api_base_url}/{settings.google_ads_api_version}"
    headers = {
        "Authorization": f"Bearer {access_token}",
        "developer-token": settings.google_ads_developer_token,
    }
    accessible = json_of(
        http.get(f"{base}/customers:listAccessibleCustomers", headers=headers),
        "Listing the accessible Google Ads customers",
    ).get("resourceNames", [])
    accounts: dict[str, Account] = {}
    for resource_name in accessible:
        login_customer_id = resource_name.removeprefix("customers/")
        batches = json_of(
            http.post(
                f"{base}/customers/{login_customer_id}/googleAds:searchStream",
                headers={**headers, "login-customer-id": login_customer_id},
                json={"query": _HIERARCHY_QUERY},
            ),
            f"Reading the account hierarchy of Google Ads customer {login_customer_id}",
        )
        for row in _rows(batches):
            client = row["customerClient"]
            # A manager has no ads of its own; its clients are offered instead.
            if client.get("manager"):
                continue
            customer_id = client["clientCustomer"].removeprefix("customers/")
            settings_of_account = (
                {} if customer_id == login_customer_id else {"login_customer_id": login_customer_id}
            )
            accounts.setdefault(
                customer_id,
                Account(
                    external_account_id=customer_id,
                    display_name=f"{client.get('descriptiveName') or customer_id} — Google Ads",
                    settings=settings_of_account,
                ),
            )
    return list(accounts.values())


def _rows(batches: Any) -> list[dict[str, Any]]:
    return [row for batch in batches for row in batch.get("results", [])]
