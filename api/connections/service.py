"""Connections of a workspace: listing, disconnecting, and the end of each OAuth flow (a
selection of accounts for Meta and Google, an installed shop for Shopify) writing or renewing
them, encrypted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from api.connections.platforms import Account, Grant
from warehouse.appdb.credentials import CredentialCipher
from warehouse.appdb.models import Connection, ConnectionStatus, PendingSelection, Provider
from warehouse.appdb.reconnects import resume
from warehouse.appdb.upserts import ensure_pixel_key, grant_user, seal_connection

# Long enough to look through the accounts and choose.
SELECTION_TTL = timedelta(minutes=30)


class UnknownAccounts(Exception):
    """Accounts chosen that the selection does not offer."""


class UnreadableSelection(Exception):
    """The consent a selection holds was sealed under a key since replaced: no one can use it."""


def workspace_connections(session: Session, workspace_id: str) -> list[Connection]:
    statement = (
        select(Connection)
        .where(Connection.workspace_id == workspace_id)
        .order_by(Connection.provider, Connection.display_name, Connection.id)
    )
    return list(session.scalars(statement))


def workspace_connection(
    session: Session, workspace_id: str, connection_id: str
) -> Connection | None:
    return session.scalar(
        select(Connection).where(
            Connection.workspace_id == workspace_id, Connection.id == connection_id
        )
    )


@dataclass(frozen=True)
class Revocation:
    """A grant to revoke at its platform once a disconnect is committed."""

    connection_id: str
    provider: str
    external_account_id: str
    credentials: dict[str, Any]


def disconnect(
    session: Session, connection: Connection, cipher: CredentialCipher
) -> Revocation | None:
    """Stop syncing it and forget its credentials; what it landed stays in the warehouse, and
    connecting the same account again brings it back (same id, same history). Returns the grant
    to revoke at the platform, unless no credentials were left or another connection still
    syncs with the same grant (accounts chosen from one consent share it; a Meta user's grants
    in every workspace are one, as Meta revokes per user). Credentials sealed under a key
    since replaced are forgotten all the same, with nothing to revoke: no one can read them."""
    credentials = cipher.readable(connection.credentials_encrypted)
    connection.status = ConnectionStatus.DISCONNECTED
    connection.credentials_encrypted = cipher.encrypt({})
    connection.grant_user_id = None
    connection.needs_reconnect_since = None
    connection.backfill_from = connection.backfill_until = None
    session.flush()
    if not credentials or _grant_in_use(session, cipher, connection, credentials):
        return None
    return Revocation(
        connection.id, connection.provider, connection.external_account_id, credentials
    )


def _grant_in_use(
    session: Session, cipher: CredentialCipher, connection: Connection, credentials: dict[str, Any]
) -> bool:
    others = select(Connection).where(
        Connection.provider == connection.provider,
        Connection.id != connection.id,
        Connection.status != ConnectionStatus.DISCONNECTED,
    )
    if connection.provider == Provider.SHOPIFY:
        # Revoking uninstalls the app from the shop, whichever workspace installed it.
        others = others.where(Connection.external_account_id == connection.external_account_id)
        return session.scalar(others.limit(1)) is not None
    user = grant_user(connection.provider, credentials)
    if user:
        # Meta revokes the app for the user, not one token: an agency's user who connected
        # accounts in several workspaces, each with a consent (a token) of its own, would
        # break every other workspace's connections.
        if session.scalar(others.where(Connection.grant_user_id == user).limit(1)) is not None:
            return True
        return _unrecorded_grant_of(session, cipher, others, user)
    # A Google grant (or a Meta one stored before its user was) comes from one consent, whose
    # accounts all went to the workspace it was made in.
    others = others.where(Connection.workspace_id == connection.workspace_id)
    return any(
        cipher.readable(other.credentials_encrypted) == credentials
        for other in session.scalars(others)
    )


def _unrecorded_grant_of(
    session: Session, cipher: CredentialCipher, others: Select[Connection], user: str
) -> bool:
    """Whether one of the connections sealed before their user was recorded is `user`'s: those
    alone are opened, and the user each holds is recorded, so it is not opened again (a Meta
    grant stored without a user is, until its account is reconnected; so is one sealed under a
    key since replaced, which holds no grant anyone can use)."""
    in_use = False
    for other in session.scalars(others.where(Connection.grant_user_id.is_(None))):
        other.grant_user_id = grant_user(
            other.provider, cipher.readable(other.credentials_encrypted) or {}
        )
        in_use = in_use or other.grant_user_id == user
    return in_use


def open_selection(
    session: Session,
    cipher: CredentialCipher,
    *,
    provider: str,
    workspace_id: str,
    user_id: str,
    grant: Grant,
    now: datetime,
) -> PendingSelection:
    # One open selection per member and provider: a new consent replaces an abandoned one.
    session.execute(
        delete(PendingSelection).where(
            PendingSelection.workspace_id == workspace_id,
            PendingSelection.user_id == user_id,
            PendingSelection.provider == provider,
        )
    )
    selection = PendingSelection(
        provider=provider,
        workspace_id=workspace_id,
        user_id=user_id,
        credentials_encrypted=cipher.encrypt(grant.credentials),
        accounts=[
            {
                "external_account_id": account.external_account_id,
                "display_name": account.display_name,
                "settings": account.settings,
                "manager_path": list(account.manager_path),
            }
            for account in grant.accounts
        ],
        created_at=now,
        expires_at=now + SELECTION_TTL,
    )
    session.add(selection)
    session.flush()
    return selection


def open_selection_of(
    session: Session, selection_id: str, workspace_id: str, user_id: str, now: datetime
) -> PendingSelection | None:
    """The member's own selection, while it has not expired."""
    selection = session.get(PendingSelection, selection_id)
    if (
        selection is None
        or selection.workspace_id != workspace_id
        or selection.user_id != user_id
        or selection.expires_at <= now
    ):
        return None
    return selection


def complete_selection(
    session: Session,
    cipher: CredentialCipher,
    selection: PendingSelection,
    external_account_ids: list[str],
    now: datetime,
) -> list[Connection]:
    offered = {account["external_account_id"]: account for account in selection.accounts}
    unknown = [account_id for account_id in external_account_ids if account_id not in offered]
    if unknown:
        raise UnknownAccounts(", ".join(unknown))
    credentials = cipher.readable(selection.credentials_encrypted)
    if credentials is None:
        session.delete(selection)
        session.flush()
        raise UnreadableSelection
    connections = [
        connect(
            session,
            cipher,
            workspace_id=selection.workspace_id,
            provider=selection.provider,
            account=_account(offered[account_id]),
            credentials=credentials,
            now=now,
        )
        for account_id in dict.fromkeys(external_account_ids)
    ]
    session.delete(selection)
    session.flush()
    return connections


def _account(offered: dict[str, Any]) -> Account:
    return Account(
        external_account_id=offered["external_account_id"],
        display_name=offered["display_name"],
        settings=offered.get("settings") or {},
        manager_path=tuple(offered.get("manager_path") or ()),
    )


def connect(
    session: Session,
    cipher: CredentialCipher,
    *,
    workspace_id: str,
    provider: str,
    account: Account,
    credentials: dict[str, Any],
    now: datetime,
) -> Connection:
    """The account's connection, new or renewed with the fresh credentials: one that needed a
    reconnect resumes and asks for the windows it missed to be landed."""
    connection = seal_connection(
        session,
        cipher,
        workspace_id=workspace_id,
        provider=provider,
        external_account_id=account.external_account_id,
        display_name=account.display_name,
        credentials=credentials,
        settings=account.settings,
    )
    resume(connection, now)
    session.flush()
    return connection


def connect_shop(
    session: Session,
    cipher: CredentialCipher,
    *,
    workspace_id: str,
    shop: str,
    access_token: str,
    now: datetime,
) -> tuple[Connection, str]:
    """The shop's connection and its pixel key (kept across reinstalls)."""
    connection = connect(
        session,
        cipher,
        workspace_id=workspace_id,
        provider=Provider.SHOPIFY,
        account=Account(external_account_id=shop, display_name=f"{shop} — Shopify"),
        credentials={"access_token": access_token},
        now=now,
    )
    return connection, ensure_pixel_key(session, connection)
