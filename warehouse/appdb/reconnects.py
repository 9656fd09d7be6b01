"""A connection's credentials refused and then renewed: the app database's side of it, shared by
the orchestration (which finds out and later lands the missed windows) and the API (where the
merchant reconnects)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warehouse.appdb.models import SYNCED_STATUSES, Connection, ConnectionStatus


def mark_needs_reconnect(
    session: Session, connection_ids: Collection[str], since: datetime
) -> None:
    """Stop syncing the connections until their merchant reconnects; `since` (the start of the
    first window their credentials were refused for) is kept from the first time only."""
    if not connection_ids:
        return
    for connection in session.scalars(
        select(Connection).where(
            Connection.id.in_(connection_ids), Connection.status.in_(SYNCED_STATUSES)
        )
    ):
        connection.status = ConnectionStatus.NEEDS_RECONNECT
        connection.needs_reconnect_since = connection.needs_reconnect_since or since
        connection.error_since = None
    session.flush()


def resume(connection: Connection, now: datetime) -> None:
    """The merchant renewed the credentials: sync again, and ask for the windows missed meanwhile
    (from the first refused one to `now`) to be landed."""
    if connection.needs_reconnect_since is not None:
        start = connection.needs_reconnect_since
        # Two outages before the backfill of the first was launched: one range covers both.
        if connection.backfill_from is not None:
            start = min(start, connection.backfill_from)
        connection.backfill_from, connection.backfill_until = start, now
    connection.needs_reconnect_since = None
    connection.error_since = None
    connection.status = ConnectionStatus.ACTIVE


def pending_backfills(session: Session) -> list[Connection]:
    """Synced connections whose missed windows are still to be launched."""
    statement = (
        select(Connection)
        .where(
            Connection.status.in_(SYNCED_STATUSES),
            Connection.backfill_from.is_not(None),
            Connection.backfill_until.is_not(None),
        )
        .order_by(Connection.id)
    )
    return list(session.scalars(statement))


def clear_backfill(session: Session, connection_id: str, until: datetime) -> None:
    """The windows up to `until` are launched: forget the range, unless a later reconnect has
    replaced it meanwhile."""
    session.execute(
        update(Connection)
        .where(Connection.id == connection_id, Connection.backfill_until == until)
        .values(backfill_from=None, backfill_until=None)
    )
