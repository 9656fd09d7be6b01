"""Clerk, simulated: the JWKS endpoint, the Backend API calls metricx makes (minting session
tokens for tests and the demo; reading users, `GET /v1/users[/{id}]`, see users.py), and a
sign-in page for the demo users that the web app sends the browser to.

Tokens carry the claims of Clerk session tokens (`sub`, `sid`, `iss`, `azp`, `iat`, `nbf`,
`exp`) and are signed RS256 by a key generated when the router is built, so every simulator
run has its own signing key, as a real Clerk instance would. The JWKS endpoint obeys the world's
`ClerkFaults` (simulator/clerk/faults.py).
"""

from __future__ import annotations

import html
import secrets
import time
from urllib.parse import quote, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from jwt.algorithms import RSAAlgorithm

from simulator.clerk.faults import ClerkFaults
from simulator.clerk.users import SIMULATED_SECRET_KEY, ClerkUsers
from simulator.consent import SIGN_IN_STYLE
from simulator.world import World

# What a Clerk frontend running on the dashboard's dev server would put in `azp`.
AUTHORIZED_PARTY = "http://localhost:8000"
DEFAULT_TOKEN_LIFETIME_SECONDS = 60
# A signed-in browser keeps its token for an hour, the longest the API accepts by default
# (METRICX_CLERK_MAX_TOKEN_LIFETIME_SECONDS): the simulated sign-in has no refresh, where Clerk's
# SDK renews its 60-second tokens in the background.
SIGN_IN_TOKEN_LIFETIME_SECONDS = 3600
# The sign-in page hands tokens to local apps only (the demo's and the tests' API).
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
_JWKS_PATH = "/.well-known/jwks.json"


def build_clerk_router(world: World) -> APIRouter:
    """Routes meant to be mounted at `/clerk`, which makes the issuer `<base url>/clerk`."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = f"ins_sim_{secrets.token_hex(8)}"
    public_jwk = {
        **RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True),
        "kid": kid,
        "use": "sig",
        "alg": "RS256",
    }
    router = APIRouter(tags=["clerk simulator"])

    faults = world.platform(ClerkFaults)

    @router.get(_JWKS_PATH, name="clerk_jwks")
    def jwks() -> JSONResponse:
        delay, failure_status = faults.take_jwks_request()
        # A sync route runs on a worker thread: sleeping holds this request only.
        time.sleep(delay)
        if failure_status is not None:
            return JSONResponse(status_code=failure_status, content={"errors": []})
        return JSONResponse({"keys": [public_jwk]})

    @router.post("/v1/sessions/{session_id}/tokens")
    def create_session_token(
        session_id: str,
        request: Request,
        expires_in_seconds: int = DEFAULT_TOKEN_LIFETIME_SECONDS,
    ) -> JSONResponse:
        """Mint a session token. A negative `expires_in_seconds` mints one already expired."""
        user = ClerkUsers.of(world).by_session(session_id)
        if user is None:
            return _not_found(f"No session was found with id {session_id}")
        return JSONResponse(
            {"object": "token", "jwt": mint(request, user.id, session_id, expires_in_seconds)}
        )

    def mint(request: Request, user_id: str, session_id: str, lifetime_seconds: int) -> str:
        # Derived from the JWKS route so the issuer follows wherever the router is mounted.
        issuer = str(request.url_for("clerk_jwks")).removesuffix(_JWKS_PATH)
        now = int(time.time())
        claims = {
            "sub": user_id,
            "sid": session_id,
            "iss": issuer,
            "azp": AUTHORIZED_PARTY,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime_seconds,
        }
        return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid})

    @router.get("/sign-in", response_class=HTMLResponse)
    def sign_in_page(redirect_url: str) -> HTMLResponse:
        """Pick a demo user; the choice sends the browser back to `redirect_url` signed in."""
        _check_local(redirect_url)
        choices = "".join(
            f'<li><a href="sign-in/{quote(m.clerk_session_id)}?redirect_url='
            f'{quote(redirect_url, safe="")}">{html.escape(m.name)}'
            f"<span>{html.escape(m.email)}</span></a></li>"
            for m in world.merchants
        )
        return HTMLResponse(_SIGN_IN_PAGE.format(choices=choices))

    @router.get("/sign-in/{session_id}")
    def sign_in(session_id: str, redirect_url: str, request: Request) -> RedirectResponse:
        """Sign in as the demo user of `session_id`: back to `redirect_url` with the session
        token in the fragment, which browsers never send to a server."""
        _check_local(redirect_url)
        user = ClerkUsers.of(world).by_session(session_id)
        if user is None:
            raise HTTPException(404, f"No session was found with id {session_id}")
        token = mint(request, user.id, session_id, SIGN_IN_TOKEN_LIFETIME_SECONDS)
        return RedirectResponse(f"{redirect_url}#session_token={token}", status_code=303)

    @router.get("/v1/users", response_model=None)
    def list_users(
        request: Request,
        limit: int = Query(default=10, ge=1, le=500),
        offset: int = Query(default=0, ge=0),
    ) -> JSONResponse:
        """A page of users, newest first: a bare JSON array, as Clerk answers it."""
        if not _authorized(request):
            return _unauthorized()
        users = ClerkUsers.of(world).page(limit, offset)
        return JSONResponse([user.wire() for user in users])

    @router.get("/v1/users/{user_id}", response_model=None)
    def get_user(user_id: str, request: Request) -> JSONResponse:
        if not _authorized(request):
            return _unauthorized()
        user = ClerkUsers.of(world).get(user_id)
        if user is None:
            return _not_found(f"No user was found with id {user_id}")
        return JSONResponse(user.wire())

    return router


def _check_local(redirect_url: str) -> None:
    parts = urlsplit(redirect_url)
    if parts.scheme not in {"http", "https"} or parts.hostname not in _LOCAL_HOSTS:
        raise HTTPException(400, "redirect_url must be an http(s) URL on this machine")


def _authorized(request: Request) -> bool:
    return request.headers.get("authorization") == f"Bearer {SIMULATED_SECRET_KEY}"


def _unauthorized() -> JSONResponse:
    return _clerk_error(401, "Unauthorized", "authentication_invalid")


def _not_found(long_message: str) -> JSONResponse:
    return _clerk_error(404, long_message, "resource_not_found")


def _clerk_error(status: int, long_message: str, code: str) -> JSONResponse:
    # Clerk's error envelope.
    message = "not found" if status == 404 else "unauthorized"
    return JSONResponse(
        status_code=status,
        content={"errors": [{"message": message, "long_message": long_message, "code": code}]},
    )


_SIGN_IN_PAGE = (
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to metricx (simulated Clerk)</title>
"""
    + SIGN_IN_STYLE
    + """
<body><main><h1>Sign in to metricx</h1><p>Simulated Clerk: choose a demo user.</p>
<ul>{choices}</ul></main></body></html>
"""
)
