"""Facebook Login for metricx's Meta app: the consent dialog, the code and token exchanges and
the user's ad accounts, with the real wire formats.

The dialog lives on www.facebook.com (mounted at `/facebook`), the rest on the Graph API
(`/meta`): `GET /{version}/oauth/access_token` exchanges a code for a short-lived user token, or
(`grant_type=fb_exchange_token`) a token for a long-lived one; `GET /{version}/me/adaccounts`
lists the accounts the token's user can reach. Tokens issued here work on every Graph route, as
the merchants' seeded tokens do, until revoked (`MetaLogin.revoke`: the user removes the app, or
the app de-authorizes itself with `DELETE /{version}/me/permissions`) or expired
(`MetaFaults.expire_meta_token`, which a new grant lifts: a new login is a new session).
"""

from __future__ import annotations

import secrets
import threading
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from simulator.consent import (
    SIM_LOGIN_PARAM,
    AuthorizationCodes,
    sign_in_page,
    signed_in,
    wants_page,
)
from simulator.merchants import Merchant
from simulator.meta_ads.graph_errors import GraphError, invalid

if TYPE_CHECKING:
    from simulator.meta_ads.world import MetaAdsWorld

META_APP_ID = "sim-meta-app-id"
META_APP_SECRET = "sim-meta-app-secret"
# What Graph answers for lifetimes: about two hours for a login's token, sixty days for a
# long-lived one.
SHORT_LIVED_SECONDS = 2 * 3600
LONG_LIVED_SECONDS = 60 * 86_400


class MetaLogin:
    """Grants made through Facebook Login: codes, user tokens, revocations. Thread-safe."""

    def __init__(self, merchants: list[Merchant]) -> None:
        self.merchants = merchants
        self.codes = AuthorizationCodes("AQ")
        self._tokens: dict[str, Merchant] = {}
        self._revoked: set[str] = set()
        self.revocations: list[Merchant] = []  # users who de-authorized the app, in order
        self._consent_denied = False
        self._lock = threading.Lock()

    def deny_consent(self, denied: bool = True) -> None:
        """The signed-in user clicks Cancel on the dialog."""
        with self._lock:
            self._consent_denied = denied

    @property
    def consent_denied(self) -> bool:
        return self._consent_denied

    def issue_token(self, merchant: Merchant) -> str:
        # Meta user tokens start with "EAA"; the rest only has to be opaque.
        token = f"EAASimLogin{secrets.token_urlsafe(32)}"
        with self._lock:
            self._tokens[token] = merchant
        return token

    def merchant_by_token(self, token: str) -> Merchant | None:
        with self._lock:
            return self._tokens.get(token)

    def revoke(self, merchant: Merchant) -> None:
        """The user removes the app in their Facebook settings: every token of theirs so far,
        the seeded one too, stops working."""
        with self._lock:
            self._revoked |= {t for t, m in self._tokens.items() if m is merchant}
            self._revoked.add(merchant.meta_access_token)
            self.revocations.append(merchant)

    def revoked(self, token: str) -> bool:
        with self._lock:
            return token in self._revoked


def build_facebook_login_router(login: MetaLogin) -> APIRouter:
    """The Login dialog, meant to be mounted at `/facebook` (www.facebook.com)."""
    router = APIRouter(tags=["meta simulator"])

    @router.get("/{version}/dialog/oauth")
    def dialog(version: str, request: Request) -> Response:
        params = request.query_params
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != META_APP_ID or not redirect_uri:
            return JSONResponse(
                {"error": {"message": "Invalid App ID or redirect_uri", "code": 101}},
                status_code=400,
            )
        merchant = signed_in(login.merchants, params.get(SIM_LOGIN_PARAM))
        if merchant is None:
            if wants_page(request):
                return sign_in_page("Facebook", request, login.merchants)
            return JSONResponse({"error": {"message": "Log in to Facebook"}}, status_code=401)
        state = {"state": params["state"]} if "state" in params else {}
        if login.consent_denied:
            answer = {
                "error": "access_denied",
                "error_code": "200",
                "error_description": "Permissions error",
                "error_reason": "user_denied",
                **state,
            }
        else:
            answer = {"code": login.codes.issue(merchant, redirect_uri), **state}
        # Facebook appends `#_=_` to the redirect; a fragment never reaches the server.
        return RedirectResponse(f"{redirect_uri}?{urlencode(answer)}#_=_", status_code=302)

    return router


def build_graph_login_router(meta: MetaAdsWorld) -> APIRouter:
    """The token exchanges, meant to be mounted at `/meta` before the Graph routes of objects
    (whose `/{version}/{object_id}` would match them)."""
    router = APIRouter(tags=["meta simulator"])
    login = meta.login

    @router.get("/{version}/oauth/access_token")
    def access_token(version: str, request: Request) -> JSONResponse:
        params = request.query_params
        try:
            if (params.get("client_id"), params.get("client_secret")) != (
                META_APP_ID,
                META_APP_SECRET,
            ):
                raise GraphError(400, 101, "Error validating application. Invalid application ID.")
            if params.get("grant_type") == "fb_exchange_token":
                merchant = _holder(login, params.get("fb_exchange_token", ""))
                return _token(login.issue_token(merchant), LONG_LIVED_SECONDS)
            merchant_or_none = login.codes.redeem(
                params.get("code", ""), params.get("redirect_uri")
            )
            if merchant_or_none is None:
                raise GraphError(400, 100, "This authorization code has been used.", subcode=36009)
            # A new login is a new session: an expired one no longer stands in the way.
            meta.faults.restore_meta_token(merchant_or_none.meta_account_id)
            return _token(login.issue_token(merchant_or_none), SHORT_LIVED_SECONDS)
        except GraphError as error:
            return error.response()

    @router.delete("/{version}/me/permissions")
    def revoke_permissions(version: str, request: Request) -> JSONResponse:
        """The app de-authorized for the token's user: every token of theirs stops working."""
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        token = (
            credentials.strip()
            if scheme.lower() in ("bearer", "oauth")
            else request.query_params.get("access_token", "")
        )
        merchant = meta.merchant_by_token(token) if token else None
        if merchant is None:
            return GraphError(
                400, 190, "Invalid OAuth access token - Cannot parse access token"
            ).response()
        login.revoke(merchant)
        return JSONResponse({"success": True})

    return router


def _holder(login: MetaLogin, token: str) -> Merchant:
    merchant = login.merchant_by_token(token)
    if merchant is None or login.revoked(token):
        raise invalid("Invalid OAuth access token - Cannot parse access token")
    return merchant


def _token(token: str, expires_in: int) -> JSONResponse:
    return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": expires_in})
