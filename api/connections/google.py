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
    "SELECT customer_client.id, customer_client.descriptive_name, customer_client.manager, "
    "customer_client.level, customer_client.currency_code, customer_client.time_zone, "
    "customer_client.status FROM customer_client WHERE customer_client.level <= 1"
)
# Bounds the walk of a hierarchy (an agency's may nest managers); past it the consent fails
# with a message rather than reading without end.
_MAX_MANAGERS = 200


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
    """Every ad account the user reaches: those granted directly, and under each manager its
    client accounts (managers below it walked in turn), each with the path of managers it is
    reached through and the top one as its login-customer-id."""
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
        root = resource_name.removeprefix("customers/")
        # Customers to read, with the names of the managers from the root down to them (the
        # root's own is learnt from its row); Google's documented way to read a hierarchy is one
        # level (`level <= 1`) of each manager at a time, logged in through the root.
        pending: list[tuple[str, tuple[str, ...]]] = [(root, ())]
        seen = {root}
        while pending:
            customer_id, path = pending.pop(0)
            if len(seen) > _MAX_MANAGERS:
                raise PlatformError(
                    f"The Google Ads hierarchy under {root} has over {_MAX_MANAGERS} managers."
                )
            batches = json_of(
                http.post(
                    f"{base}/customers/{customer_id}/googleAds:searchStream",
                    headers={**headers, "login-customer-id": root},
                    json={"query": _HIERARCHY_QUERY},
                ),
                f"Reading the account hierarchy of Google Ads customer {customer_id}",
            )
            # The customer read (level 0) first: a manager's name heads its clients' path.
            clients = sorted(
                (row["customerClient"] for row in _rows(batches)),
                key=lambda client: int(client.get("level", 0)),
            )
            for client in clients:
                client_id = str(client["id"])
                name = client.get("descriptiveName") or client_id
                if client.get("manager"):
                    if int(client.get("level", 0)) == 0:
                        path = (name,) if customer_id == root else path
                    elif client_id not in seen:
                        seen.add(client_id)
                        pending.append((client_id, (*path, name)))
                    continue
                # A canceled or closed account serves no ads and answers no reports.
                if client.get("status", "ENABLED") != "ENABLED" or client_id in accounts:
                    continue
                accounts[client_id] = Account(
                    external_account_id=client_id,
                    display_name=f"{name} — Google Ads",
                    settings={} if client_id == root else {"login_customer_id": root},
                    manager_path=path,
                )
    return list(accounts.values())


def revoke(settings: Settings, http: httpx.Client, credentials: dict[str, Any]) -> None:
    """Revoke the grant (developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke):
    the refresh token and every access token from it stop working."""
    json_of(
        http.post(
            settings.google_oauth_revoke_url,
            data={"token": credentials["refresh_token"]},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        "Revoking the Google grant",
    )


def _rows(batches: Any) -> list[dict[str, Any]]:
    return [row for batch in batches for row in batch.get("results", [])]
