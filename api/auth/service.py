"""Verification of Clerk session tokens, and the user they identify."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth.signing_keys import SigningKeys, UnknownSigningKey
from metricx.lru import Lru
from warehouse.appdb.models import User

# Tolerated clock skew between Clerk and this server.
LEEWAY_SECONDS = 5
_REQUIRED_CLAIMS = ["exp", "nbf", "iat", "iss", "sub"]


class InvalidSessionToken(Exception):
    """The token is malformed, forged, expired, or was not issued for this app."""


def verify_session_token(
    token: str,
    *,
    signing_keys: SigningKeys,
    issuer: str,
    authorized_parties: Sequence[str],
    max_lifetime_seconds: int,
) -> dict[str, Any]:
    """The token's claims once its signature, issuer, validity period and `azp` check out.

    Raises `InvalidSessionToken`, or `SigningKeysUnavailable` when the keys cannot be fetched
    (which says nothing about the token).
    """
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str):
            raise InvalidSessionToken("the token names no signing key (kid)")
        signing_key = signing_keys.key(kid)
        claims = jwt.decode(
            token,
            signing_key,
            algorithms=["RS256"],
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": _REQUIRED_CLAIMS},
        )
    except (jwt.PyJWTError, UnknownSigningKey) as exc:
        raise InvalidSessionToken(str(exc)) from exc
    # Clerk's guidance: `azp` guards against tokens minted for another of the instance's origins.
    if claims.get("azp") not in authorized_parties:
        raise InvalidSessionToken("the token was issued for another origin (azp)")
    # A token valid for longer than Clerk's sessions ever mint (60 s by default) was minted
    # elsewhere, or would outlive a revoked session by that much.
    valid_for = claims["exp"] - min(claims["iat"], claims["nbf"])
    if valid_for > max_lifetime_seconds:
        raise InvalidSessionToken(
            f"the token is valid for {valid_for} s, more than the {max_lifetime_seconds} s accepted"
        )
    return claims


class VerifiedTokens:
    """The claims of session tokens verified lately, by the token's exact text. Thread-safe.

    A browser sends the same token (Clerk's live 60 s) with every call of a page, and verifying
    it (RS256 and PyJWT's checks, ~0.4 ms) was the largest part of a dashboard revalidated by its
    ETag. Only a token that passed `verify` is kept, under its whole text, so any other token is
    verified on its own; its expiry is checked again at each use. A key Clerk withdraws keeps
    accepting the tokens it signed until they expire, as Clerk's own networkless verification does.
    """

    def __init__(self, max_tokens: int = 1024, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._claims: Lru[str, dict[str, Any]] = Lru(max_tokens)

    def claims(self, token: str, verify: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
        """The token's claims, from `verify(token)` unless it passed it before and has not
        expired since."""
        claims = self._claims.get(token)
        if claims is not None:
            if claims["exp"] + LEEWAY_SECONDS > self._clock():
                return claims
            self._claims.pop(token)
        claims = verify(token)
        self._claims.put(token, claims)
        return claims


def find_user(session: Session, clerk_user_id: str) -> User | None:
    return session.scalar(select(User).where(User.clerk_user_id == clerk_user_id))
