"""Clerk, simulated: the JWKS endpoint and the Backend API calls metricx makes: minting session
tokens (for tests and the demo) and reading users (`GET /v1/users[/{id}]`, see users.py).

Tokens carry the claims of Clerk session tokens (`sub`, `sid`, `iss`, `azp`, `iat`, `nbf`,
`exp`) and are signed RS256 by a key generated when the router is built, so every simulator
run has its own signing key, as a real Clerk instance would.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from jwt.algorithms import RSAAlgorithm

from simulator.clerk.users import SIMULATED_SECRET_KEY, ClerkUsers
from simulator.world import World

# What a Clerk frontend running on the dashboard's dev server would put in `azp`.
AUTHORIZED_PARTY = "http://localhost:8000"
DEFAULT_TOKEN_LIFETIME_SECONDS = 60
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

    @router.get(_JWKS_PATH, name="clerk_jwks")
    def jwks() -> dict[str, list[dict[str, Any]]]:
        return {"keys": [public_jwk]}

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
        # Derived from the JWKS route so the issuer follows wherever the router is mounted.
        issuer = str(request.url_for("clerk_jwks")).removesuffix(_JWKS_PATH)
        now = int(time.time())
        claims = {
            "sub": user.id,
            "sid": session_id,
            "iss": issuer,
            "azp": AUTHORIZED_PARTY,
            "iat": now,
            "nbf": now,
            "exp": now + expires_in_seconds,
        }
        token = jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid})
        return JSONResponse({"object": "token", "jwt": token})

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
