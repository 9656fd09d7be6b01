"""Reads of the app database shared by the orchestration and the API."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.appdb.models import SYNCED_STATUSES, Connection, ConnectionStatus


def active_connections(session: Session, provider: str) -> list[Connection]:
    """The connections of `provider` to sync, in a stable order."""
    statement = (
        select(Connection)
        .where(Connection.provider == provider, Connection.status.in_(SYNCED_STATUSES))
        .order_by(Connection.workspace_id, Connection.external_account_id)
    )
    return list(session.scalars(statement))


def connections_meant_to_land(session: Session, provider: str) -> list[str]:
    """Ids of the connections of `provider` whose windows should be landed: the active ones and
    those waiting for a reconnect, whose missing windows are a gap, not a choice."""
    statement = (
        select(Connection.id)
        .where(
            Connection.provider == provider,
            Connection.status.in_((*SYNCED_STATUSES, ConnectionStatus.NEEDS_RECONNECT)),
        )
        .order_by(Connection.id)
    )
    return list(session.scalars(statement))
