"""Idempotent writes keyed by natural keys, for seeding: running them twice changes nothing.

They flush (so ids are assigned) but leave the commit to the caller.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.appdb.credentials import CredentialCipher
from warehouse.appdb.models import (
    Connection,
    ConnectionStatus,
    Membership,
    Provider,
    User,
    Workspace,
)


def upsert_user(session: Session, *, clerk_user_id: str, email: str) -> User:
    user = session.scalar(select(User).where(User.clerk_user_id == clerk_user_id))
    if user is None:
        user = User(clerk_user_id=clerk_user_id, email=email)
        session.add(user)
    else:
        _assign(user, email=email)
    session.flush()
    return user


def upsert_workspace(
    session: Session, *, slug: str, name: str, currency: str, timezone: str
) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        workspace = Workspace(slug=slug, name=name, currency=currency, timezone=timezone)
        session.add(workspace)
    else:
        _assign(workspace, name=name, currency=currency, timezone=timezone)
    session.flush()
    return workspace


def ensure_membership(
    session: Session, *, user_id: str, workspace_id: str, role: str
) -> Membership:
    membership = session.get(Membership, (user_id, workspace_id))
    if membership is None:
        membership = Membership(user_id=user_id, workspace_id=workspace_id, role=role)
        session.add(membership)
    else:
        _assign(membership, role=role)
    session.flush()
    return membership


def upsert_connection(
    session: Session,
    *,
    workspace_id: str,
    provider: str,
    external_account_id: str,
    display_name: str,
    credentials: dict[str, Any],
    cipher: CredentialCipher,
    status: str = ConnectionStatus.ACTIVE,
    settings: dict[str, Any] | None = None,
) -> Connection:
    connection = seal_connection(
        session,
        cipher,
        workspace_id=workspace_id,
        provider=provider,
        external_account_id=external_account_id,
        display_name=display_name,
        credentials=credentials,
        settings=settings,
    )
    _assign(connection, status=status)
    session.flush()
    return connection


def seal_connection(
    session: Session,
    cipher: CredentialCipher,
    *,
    workspace_id: str,
    provider: str,
    external_account_id: str,
    display_name: str,
    credentials: dict[str, Any],
    settings: dict[str, Any] | None = None,
) -> Connection:
    """The account's connection in the workspace, new (active) or as stored, with this name,
    these settings and these credentials sealed, and the user whose consent they hold; what
    becomes of its status is the caller's (a seeding's, or a merchant's reconnect)."""
    connection = session.scalar(
        select(Connection).where(
            Connection.workspace_id == workspace_id,
            Connection.provider == provider,
            Connection.external_account_id == external_account_id,
        )
    )
    settings = settings or {}
    if connection is None:
        connection = Connection(
            workspace_id=workspace_id,
            provider=provider,
            external_account_id=external_account_id,
            display_name=display_name,
            status=ConnectionStatus.ACTIVE,
            credentials_encrypted=cipher.encrypt(credentials),
            grant_user_id=grant_user(provider, credentials),
            settings=settings,
        )
        session.add(connection)
        return connection
    _assign(
        connection,
        display_name=display_name,
        settings=settings,
        grant_user_id=grant_user(provider, credentials),
    )
    # Fernet output differs on every call, so re-sealed only when the secrets changed (or were
    # sealed under a key since replaced, and so are unreadable).
    if cipher.readable(connection.credentials_encrypted) != credentials:
        connection.credentials_encrypted = cipher.encrypt(credentials)
    return connection


def grant_user(provider: str, credentials: dict[str, Any]) -> str | None:
    """The user whose consent `credentials` hold, where the platform revokes per user: Meta's
    (its token's `/me`); None elsewhere, or for a Meta grant stored without it."""
    return credentials.get("user_id") if provider == Provider.META_ADS else None


def ensure_pixel_key(session: Session, connection: Connection) -> str:
    """The connection's pixel key, minted on first call and kept after, so the key already
    pasted into the shop's pixel settings stays valid across seedings."""
    if connection.pixel_key is None:
        connection.pixel_key = f"pk_{secrets.token_urlsafe(24)}"
        session.flush()
    return connection.pixel_key


def _assign(row: object, **values: Any) -> None:
    # Only differing values are set, so an unchanged row is not rewritten (nor its updated_at).
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
