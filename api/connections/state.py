"""The OAuth `state`: signed, expiring, single-use, bound to the workspace and user who started
the flow (RFC 6749 §10.12: the callback must prove it answers a flow this API started).

The state is a Fernet token (authenticated and timestamped, under the credentials key) of a
nonce and its binding; the nonce's row makes it single-use. A callback carries no session
token (the platform redirects the browser), so the state is what authenticates it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import InvalidToken
from sqlalchemy import update
from sqlalchemy.orm import Session

from warehouse.appdb.credentials import CredentialCipher
from warehouse.appdb.models import OAuthState

# Long enough to sign in to the platform and read its consent page.
STATE_TTL_SECONDS = 15 * 60
_PURPOSE = "metricx-oauth-state"


class InvalidState(Exception):
    """The callback's state is forged, expired, for another flow, or already used."""


@dataclass(frozen=True)
class StateClaims:
    nonce: str
    provider: str
    workspace_id: str
    user_id: str
    shop: str | None  # Shopify: the shop the install was started for


def mint_state(
    session: Session,
    cipher: CredentialCipher,
    *,
    provider: str,
    workspace_id: str,
    user_id: str,
    shop: str | None = None,
) -> str:
    nonce = secrets.token_urlsafe(32)
    session.add(
        OAuthState(nonce=nonce, provider=provider, workspace_id=workspace_id, user_id=user_id)
    )
    session.flush()
    claims = {
        "purpose": _PURPOSE,
        "nonce": nonce,
        "provider": provider,
        "workspace_id": workspace_id,
        "user_id": user_id,
        "shop": shop,
    }
    return cipher.encrypt(claims).decode()


def consume_state(
    session: Session, cipher: CredentialCipher, state: str, provider: str, now: datetime
) -> StateClaims:
    """The state's claims, once: a second call with the same state raises InvalidState."""
    try:
        claims = cipher.decrypt(state.encode(), ttl_seconds=STATE_TTL_SECONDS)
    except (InvalidToken, ValueError) as exc:
        raise InvalidState("The state is not one this API issued, or it has expired.") from exc
    if claims.get("purpose") != _PURPOSE or claims.get("provider") != provider:
        raise InvalidState("The state was issued for another flow.")
    # One UPDATE decides: two callbacks racing with the same state cannot both win.
    used = session.execute(
        update(OAuthState)
        .where(
            OAuthState.nonce == claims["nonce"],
            OAuthState.provider == provider,
            OAuthState.workspace_id == claims["workspace_id"],
            OAuthState.user_id == claims["user_id"],
            OAuthState.used_at.is_(None),
        )
        .values(used_at=now)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidState("The state was already used.")
    return StateClaims(
        nonce=claims["nonce"],
        provider=provider,
        workspace_id=claims["workspace_id"],
        user_id=claims["user_id"],
        shop=claims.get("shop"),
    )
