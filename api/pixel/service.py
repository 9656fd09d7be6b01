"""Storing a pixel batch in the app database's inbox, for the pipeline to land.

The API never writes the warehouse (it has one writer: the pipeline); the landing asset moves
each window's receipts there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from api.pixel.schemas import PixelEventIn, RejectedEvent
from warehouse.appdb.models import Connection, ConnectionStatus, PixelEvent, Provider, new_id

_EVENT = TypeAdapter(PixelEventIn)
_INSERTS: dict[str, Callable[[type[PixelEvent]], PostgresqlInsert | SqliteInsert]] = {
    "sqlite": sqlite_insert,
    "postgresql": postgresql_insert,
}


@dataclass
class StoredBatch:
    received: int
    stored: int = 0
    duplicates: int = 0
    rejected: list[RejectedEvent] = field(default_factory=list)


def connection_for_key(session: Session, pixel_key: str) -> Connection | None:
    """The Shopify connection a pixel key belongs to; None when unknown, rotated or paused."""
    return session.scalar(
        select(Connection).where(
            Connection.pixel_key == pixel_key,
            Connection.provider == Provider.SHOPIFY,
            Connection.status.not_in((ConnectionStatus.PAUSED, ConnectionStatus.DISCONNECTED)),
        )
    )


def store_batch(
    session: Session, connection: Connection, events: list[Any], received_at: datetime
) -> StoredBatch:
    """Validate each event on its own and store the valid ones not stored before.

    A malformed event is counted and reported by its index, never stored: one bad event must not
    cost the batch, which the pixel would otherwise retry forever.
    """
    outcome = StoredBatch(received=len(events))
    valid: dict[str, tuple[PixelEventIn, Any]] = {}
    for index, raw in enumerate(events):
        try:
            event = _EVENT.validate_python(raw)
        except ValidationError as exc:
            errors = [
                {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
                for error in exc.errors(include_url=False, include_input=False)
            ]
            outcome.rejected.append(RejectedEvent(index=index, errors=errors))
            continue
        if event.id in valid:
            outcome.duplicates += 1
            continue
        valid[event.id] = (event, raw)
    if not valid:
        return outcome
    already = set(
        session.scalars(
            select(PixelEvent.event_id).where(
                PixelEvent.connection_id == connection.id, PixelEvent.event_id.in_(valid)
            )
        )
    )
    rows = [
        {
            "id": new_id(),
            "connection_id": connection.id,
            "workspace_id": connection.workspace_id,
            "event_id": event.id,
            # As sent, so the landing can re-read fields the intake does not check.
            "payload": json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str),
            "occurred_at": event.timestamp,
            "received_at": received_at,
        }
        for event_id, (event, raw) in valid.items()
        if event_id not in already
    ]
    outcome.duplicates += len(valid) - len(rows)
    if rows:
        # A concurrent retry of the same batch may insert between the read and this write:
        # the unique key makes it a no-op rather than an error.
        insert = _INSERTS[session.get_bind().dialect.name](PixelEvent)
        session.execute(
            insert.on_conflict_do_nothing(index_elements=["connection_id", "event_id"]), rows
        )
    outcome.stored = len(rows)
    return outcome
