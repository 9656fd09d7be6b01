"""Installing metricx's Shopify app on a shop: the authorization code grant, with the real wire
formats (shopify.dev "Authorization code grant").

`GET /admin/oauth/authorize` shows the merchant the scopes and, on install, redirects to the
app's callback with `code`, `host`, `shop`, `state`, `timestamp` and their `hmac` (HMAC-SHA256
with the app's client secret over the other parameters, sorted, as `k=v` joined by `&`);
`POST /admin/oauth/access_token` exchanges the code for an offline access token. A merchant who
declines is simply not redirected. Tokens issued here work on the Admin API, as the seeded
ones do, until revoked (`AppInstalls.revoke`: the app uninstalled, by the merchant or by itself
with `DELETE /admin/api_permissions/current.json`, or the token rotated).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from urllib.parse import urlencode

from simulator.consent import AuthorizationCodes
from simulator.merchants import Merchant

SHOPIFY_API_KEY = "sim-shopify-api-key"
SHOPIFY_API_SECRET = "sim-shopify-api-secret"


def callback_hmac(params: dict[str, str], secret: str = SHOPIFY_API_SECRET) -> str:
    message = "&".join(f"{key}={params[key]}" for key in sorted(params) if key != "hmac")
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


class AppInstalls:
    """Install grants, offline tokens and revocations, for every shop. Thread-safe."""

    def __init__(self) -> None:
        self.codes = AuthorizationCodes("")
        self._tokens: dict[str, str] = {}  # token → shop
        self._revoked: set[str] = set()
        self.uninstalls: list[str] = []  # shops the app was uninstalled from, in order
        self._scopes: dict[str, str] = {}  # code → scopes asked
        self._install_declined = False
        self._lock = threading.Lock()

    def decline_install(self, declined: bool = True) -> None:
        """The merchant leaves the install page without installing."""
        self._install_declined = declined

    @property
    def install_declined(self) -> bool:
        return self._install_declined

    def callback_query(
        self, merchant: Merchant, redirect_uri: str, scopes: str, state: str | None, now: int
    ) -> str:
        code = self.codes.issue(merchant, redirect_uri)
        with self._lock:
            self._scopes[code] = scopes
        handle = merchant.shop_domain.removesuffix(".myshopify.com")
        params = {
            "code": code,
            "host": base64.b64encode(f"admin.shopify.com/store/{handle}".encode()).decode(),
            "shop": merchant.shop_domain,
            "timestamp": str(now),
        }
        if state is not None:
            params["state"] = state
        params["hmac"] = callback_hmac(params)
        return urlencode(params)

    def exchange(self, code: str) -> tuple[Merchant, str, str] | None:
        """(merchant, offline token, scopes granted) for an unused code."""
        merchant = self.codes.redeem(code, None)
        if merchant is None:
            return None
        token = f"shpat_{secrets.token_hex(16)}"
        with self._lock:
            self._tokens[token] = merchant.shop_domain
            scopes = self._scopes.pop(code, "")
        return merchant, token, scopes

    def valid(self, merchant: Merchant, token: str | None) -> bool:
        if token is None:
            return False
        with self._lock:
            if token in self._revoked:
                return False
            issued_shop = self._tokens.get(token)
        return token == merchant.shopify_access_token or issued_shop == merchant.shop_domain

    def revoke(self, merchant: Merchant) -> None:
        """Every token of the shop so far, the seeded one too, stops working."""
        with self._lock:
            self._revoked |= {t for t, s in self._tokens.items() if s == merchant.shop_domain}
            self._revoked.add(merchant.shopify_access_token)
            self.uninstalls.append(merchant.shop_domain)
