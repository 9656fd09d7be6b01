"""Clerk, simulated: the JWKS endpoint and the Backend API call that mints session tokens.

Tokens carry the claims of Clerk session tokens (`sub`, `sid`, `iss`, `azp`, `iat`, `nbf`,
`exp`) and are signed RS256 by a key generated when the router is built, so every simulator
run has its own signing key, as a real Clerk instance would. The JWKS endpoint obeys the world's
`ClerkFaults` (simulator/clerk/faults.py).
"""

from __future__ import annotations

import secrets
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from jwt.algorithms import RSAAlgorithm

from simulator.clerk.faults import ClerkFaults
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
        merchant = world.merchant_by_session_id(session_id)
        if merchant is None:
            return JSONResponse(
                status_code=404,
                content={
                    "errors": [
                        {
                            "message": "not found",
                            "long_message": f"No session was found with id {session_id}",
                            "code": "resource_not_found",
                        }
                    ]
                },
            )
        # Derived from the JWKS route so the issuer follows wherever the router is mounted.
        issuer = str(request.url_for("clerk_jwks")).removesuffix(_JWKS_PATH)
        now = int(time.time())
        claims = {
            "sub": merchant.clerk_user_id,
            "sid": session_id,
            "iss": issuer,
            "azp": AUTHORIZED_PARTY,
            "iat": now,
            "nbf": now,
            "exp": now + expires_in_seconds,
        }
        token = jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid})
        return JSONResponse({"object": "token", "jwt": token})

    return router
