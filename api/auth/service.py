"""Verification of Clerk session tokens, and the user they identify."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.appdb.models import User

# Tolerated clock skew between Clerk and this server.
LEEWAY_SECONDS = 5
_REQUIRED_CLAIMS = ["exp", "nbf", "iat", "iss", "sub"]


class InvalidSessionToken(Exception):
    """The token is malformed, forged, expired, or was not issued for this app."""


def verify_session_token(
    token: str,
    *,
    jwks_client: jwt.PyJWKClient,
    issuer: str,
    authorized_parties: Sequence[str],
) -> dict[str, Any]:
    """The token's claims once its signature, issuer, lifetime and `azp` check out.

    Raises `InvalidSessionToken`, or `jwt.PyJWKClientConnectionError` when the keys cannot be
    fetched (which says nothing about the token).
    """
    try:
        signing_key = jwks_client.get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            signing_key,
            algorithms=["RS256"],
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": _REQUIRED_CLAIMS},
        )
    except jwt.PyJWKClientConnectionError:
        raise
    except jwt.PyJWTError as exc:
        raise InvalidSessionToken(str(exc)) from exc
    # Clerk's guidance: `azp` guards against tokens minted for another of the instance's origins.
    if authorized_parties and claims.get("azp") not in authorized_parties:
        raise InvalidSessionToken("the token was issued for another origin (azp)")
    return claims


def find_user(session: Session, clerk_user_id: str) -> User | None:
    return session.scalar(select(User).where(User.clerk_user_id == clerk_user_id))
