"""Installing the Shopify app: `/admin/oauth/authorize`, a callback verified by its `hmac` and
`shop`, the offline access token, and the web pixel registered with the shop's pixel key."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from api.connections.platforms import PlatformError, json_of
from metricx.settings import Settings

# Orders and customers for the shop's sales; pixels to register the web pixel and receive the
# customer events it subscribes to.
SCOPES = "read_orders,read_customers,write_pixels,read_customer_events"
# shopify.dev: a shop's permanent domain is `{handle}.myshopify.com`, the handle letters, digits
# and hyphens. Anything else in `shop` is refused before a URL is built from it.
SHOP_DOMAIN_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9\-]*\.myshopify\.com$"
_SHOP_DOMAIN = re.compile(SHOP_DOMAIN_PATTERN)
_WEB_PIXEL_CREATE = """
mutation webPixelCreate($webPixel: WebPixelInput!) {
  webPixelCreate(webPixel: $webPixel) {
    webPixel { id settings }
    userErrors { field message code }
  }
}
"""


def valid_shop_domain(shop: str) -> bool:
    return _SHOP_DOMAIN.fullmatch(shop) is not None


def admin_url(settings: Settings, shop: str) -> str:
    return settings.shopify_admin_base_url.format(shop=shop)


def consent_url(settings: Settings, shop: str, redirect_uri: str, state: str) -> str:
    # No `grant_options[]=per-user`: an offline token, which outlives the merchant's session.
    query = urlencode(
        {
            "client_id": settings.shopify_api_key,
            "scope": SCOPES,
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{admin_url(settings, shop)}/admin/oauth/authorize?{query}"


def callback_is_authentic(params: Mapping[str, str], secret: str) -> bool:
    """Shopify's `hmac`: HMAC-SHA256 with the app's secret over every other query parameter,
    sorted by name, as `name=value` joined by `&`; compared in constant time."""
    given = params.get("hmac")
    if not given or not secret:
        return False
    message = "&".join(f"{name}={params[name]}" for name in sorted(params) if name != "hmac")
    expected = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


def exchange(settings: Settings, http: httpx.Client, shop: str, code: str) -> str:
    """The shop's offline access token."""
    answer = json_of(
        http.post(
            f"{admin_url(settings, shop)}/admin/oauth/access_token",
            json={
                "client_id": settings.shopify_api_key,
                "client_secret": settings.shopify_api_secret,
                "code": code,
            },
        ),
        "Exchanging Shopify's authorization code",
    )
    return str(answer["access_token"])


def register_web_pixel(
    settings: Settings, http: httpx.Client, shop: str, access_token: str, pixel_key: str
) -> None:
    """The app's web pixel on the shop, sending with `pixel_key`. One per app and shop: on a
    reinstall Shopify answers TAKEN, and the pixel already there carries the same key (a
    connection keeps its key), so that is success too."""
    answer = json_of(
        http.post(
            f"{admin_url(settings, shop)}/admin/api/{settings.shopify_api_version}/graphql.json",
            headers={"X-Shopify-Access-Token": access_token},
            json={
                "query": _WEB_PIXEL_CREATE,
                "variables": {"webPixel": {"settings": json.dumps({"pixelKey": pixel_key})}},
            },
        ),
        "Registering the web pixel",
    )
    if answer.get("errors"):
        raise PlatformError("Registering the web pixel failed: Shopify refused the mutation.")
    errors = answer["data"]["webPixelCreate"]["userErrors"]
    if any(error.get("code") != "TAKEN" for error in errors):
        codes = ", ".join(str(error.get("code")) for error in errors)
        raise PlatformError(f"Registering the web pixel failed: {codes}.")


def revoke(settings: Settings, http: httpx.Client, shop: str, credentials: dict[str, Any]) -> None:
    """Uninstall the app from the shop (`DELETE /admin/api_permissions/current.json`): Shopify
    has no revocation of an offline token alone, so the install it belongs to goes, and with it
    every token of the app on that shop."""
    json_of(
        http.delete(
            f"{admin_url(settings, shop)}/admin/api_permissions/current.json",
            headers={"X-Shopify-Access-Token": credentials["access_token"]},
        ),
        "Uninstalling the Shopify app",
    )
