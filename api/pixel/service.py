"""Storing a pixel batch in the app database's inbox, for the pipeline to land.

The API never writes the warehouse (it has one writer: the pipeline); the landing asset moves
each window's receipts there.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from api.pixel.schemas import MAX_EVENT_AGE, MAX_EVENT_LEAD, PixelEventIn, RejectedEvent
from warehouse.appdb.models import Connection, ConnectionStatus, PixelEvent, Provider, new_id

logger = logging.getLogger(__name__)

_EVENT = TypeAdapter(PixelEventIn)
# Shopify connection setting: the storefront's own domains (e.g. `shop.example.com`) besides its
# myshopify.com domain, which is the connection's account id.
STOREFRONT_DOMAINS_SETTING = "storefront_domains"
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
    """Validate each event on its own and store the valid, plausible ones not stored before.

    A malformed or implausible event is counted and reported by its index, never stored: one bad
    event must not cost the batch, which the pixel would otherwise retry forever.
    """
    outcome = StoredBatch(received=len(events))
    domains = _shop_domains(connection)
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
        implausible = _implausibility(event, domains, received_at)
        if implausible is not None:
            outcome.rejected.append(RejectedEvent(index=index, errors=[implausible]))
            continue
        if event.id in valid:
            outcome.duplicates += 1
            continue
        valid[event.id] = (event, raw)
    if valid:
        outcome.stored = _insert_new(session, connection, valid, received_at)
        outcome.duplicates += len(valid) - outcome.stored
    if outcome.rejected:
        _log_rejections(connection, outcome)
    return outcome


def _shop_domains(connection: Connection) -> list[str]:
    """The hosts the shop's pages are on: its myshopify.com domain and its storefront's own."""
    configured = connection.settings.get(STOREFRONT_DOMAINS_SETTING) or []
    return [connection.external_account_id.lower(), *(domain.lower() for domain in configured)]


def _implausibility(
    event: PixelEventIn, domains: list[str], received_at: datetime
) -> dict[str, Any] | None:
    """Why a well-formed event cannot be the shop's live traffic, as a validation error reads."""
    href = event.context.document.location.href
    try:
        host = (urlsplit(href).hostname or "").rstrip(".")
    except ValueError:  # e.g. an unclosed IPv6 bracket
        host = ""
    if not any(host == domain or host.endswith(f".{domain}") for domain in domains):
        return {
            "loc": ["context", "document", "location", "href"],
            "msg": f"the page is not on the shop's domains ({', '.join(domains)})",
            "type": "foreign_page",
        }
    if event.timestamp < received_at - MAX_EVENT_AGE:
        return {
            "loc": ["timestamp"],
            "msg": f"the event is more than {MAX_EVENT_AGE.days} days older than its receipt",
            "type": "too_old",
        }
    if event.timestamp > received_at + MAX_EVENT_LEAD:
        return {
            "loc": ["timestamp"],
            "msg": f"the event is more than {MAX_EVENT_LEAD.seconds // 60} minutes after its "
            "receipt",
            "type": "in_the_future",
        }
    return None


def _insert_new(
    session: Session,
    connection: Connection,
    events: dict[str, tuple[PixelEventIn, Any]],
    received_at: datetime,
) -> int:
    """Insert the events not stored yet; how many this call inserted.

    Counted from the rows the insert returns, not from a read before it: a retry of the batch
    racing this one inserts some of them first, and the unique key makes those a no-op here.
    """
    rows = [
        {
            "id": new_id(),
            "connection_id": connection.id,
            "workspace_id": connection.workspace_id,
            "event_id": event_id,
            # As sent, so the landing can re-read fields the intake does not check.
            "payload": json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str),
            "occurred_at": event.timestamp,
            "received_at": received_at,
        }
        for event_id, (event, raw) in events.items()
    ]
    insert = _INSERTS[session.get_bind().dialect.name](PixelEvent)
    inserted = session.execute(
        insert.on_conflict_do_nothing(index_elements=["connection_id", "event_id"]).returning(
            PixelEvent.event_id
        ),
        rows,
    )
    return len(inserted.all())


def _log_rejections(connection: Connection, outcome: StoredBatch) -> None:
    # One line per batch, counted by the first reason of each event: what an operator watching
    # a shop's pixel (or a forger using its public key) needs, without the events themselves.
    reasons = Counter(rejected.errors[0]["type"] for rejected in outcome.rejected)
    logger.warning(
        "pixel batch: %d of %d events rejected (%s); %d stored, %d duplicates",
        len(outcome.rejected),
        outcome.received,
        ", ".join(f"{reason}: {count}" for reason, count in sorted(reasons.items())),
        outcome.stored,
        outcome.duplicates,
        extra={"connection": connection.id},
    )
