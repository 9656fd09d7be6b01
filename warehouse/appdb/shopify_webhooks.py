"""Shopify webhooks' effects on the app database, shared by the API (which receives them) and the
orchestration (which lands early what they announce and erases the warehouse's copy of what they
ask to forget)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from warehouse.appdb.models import (
    Connection,
    PixelEvent,
    Provider,
    RedactionScope,
    ShopifyDataRequest,
    ShopifyLandingRequest,
    ShopifyRedaction,
    ShopifyWebhookDelivery,
)
from warehouse.redaction import (
    LandingRedactions,
    anonymous_client,
    digest,
    scrub_referrer,
    scrub_url,
)


def first_delivery(
    session: Session, webhook_id: str, topic: str, shop_domain: str, now: datetime
) -> bool:
    """Record the delivery; False when it was recorded before (a retry or a replay)."""
    if session.get(ShopifyWebhookDelivery, webhook_id) is not None:
        return False
    session.add(
        ShopifyWebhookDelivery(
            webhook_id=webhook_id, topic=topic, shop_domain=shop_domain, received_at=now
        )
    )
    session.flush()
    return True


def forget_deliveries_before(session: Session, before: datetime) -> None:
    """Deliveries too old to be accepted again need no replay guard."""
    session.execute(
        delete(ShopifyWebhookDelivery).where(ShopifyWebhookDelivery.received_at < before)
    )


def shop_connections(session: Session, shop_domain: str) -> list[Connection]:
    """The workspaces' connections to the shop, whatever their status."""
    return list(
        session.scalars(
            select(Connection)
            .where(
                Connection.provider == Provider.SHOPIFY,
                func.lower(Connection.external_account_id) == shop_domain.lower(),
            )
            .order_by(Connection.id)
        )
    )


def request_landing(session: Session, connection_id: str, at: datetime) -> None:
    """Ask for the shop's current window to be landed now (one request per connection)."""
    request = session.get(ShopifyLandingRequest, connection_id)
    if request is None:
        session.add(ShopifyLandingRequest(connection_id=connection_id, requested_at=at))
    else:
        request.requested_at = max(request.requested_at, at)
    session.flush()


def landing_requests(session: Session) -> list[ShopifyLandingRequest]:
    return list(
        session.scalars(select(ShopifyLandingRequest).order_by(ShopifyLandingRequest.connection_id))
    )


def clear_landing_request(session: Session, connection_id: str, requested_at: datetime) -> None:
    """The request is launched: forget it, unless a later order has renewed it meanwhile."""
    session.execute(
        delete(ShopifyLandingRequest).where(
            ShopifyLandingRequest.connection_id == connection_id,
            ShopifyLandingRequest.requested_at <= requested_at,
        )
    )


def record_data_request(
    session: Session,
    connection: Connection,
    *,
    data_request_id: str,
    customer_id: str,
    email: str | None,
    phone: str | None,
    order_ids: Sequence[str],
    now: datetime,
) -> ShopifyDataRequest:
    """The request, with what the app database holds about the customer; the merchant exports
    the warehouse's part (their orders) from the dashboard."""
    events = _customer_events(session, connection.id, [customer_id, *order_ids])
    request = ShopifyDataRequest(
        connection_id=connection.id,
        data_request_id=data_request_id,
        customer_id=customer_id,
        email=email,
        phone=phone,
        order_ids=list(order_ids),
        data_held={
            "pixel_events": len(events),
            "pixel_client_ids": sorted({str(event["clientId"]) for _, event in events}),
        },
        requested_at=now,
    )
    session.add(request)
    session.flush()
    return request


def redact_customer(
    session: Session,
    connection: Connection,
    *,
    customer_id: str,
    order_ids: Sequence[str],
    now: datetime,
) -> ShopifyRedaction:
    """Erase the customer from the app database now (their data requests, and their pixel events
    in the inbox anonymised as the warehouse's will be), and ask the pipeline to erase the
    warehouse's copy."""
    redaction = ShopifyRedaction(
        connection_id=connection.id,
        scope=RedactionScope.CUSTOMER,
        customer_id=customer_id,
        order_ids=list(order_ids),
        visitor_token=f"anonymous-{secrets.token_hex(12)}",
        requested_at=now,
    )
    session.execute(
        delete(ShopifyDataRequest).where(
            ShopifyDataRequest.connection_id == connection.id,
            ShopifyDataRequest.customer_id == customer_id,
        )
    )
    identifiers = [customer_id, *order_ids]
    clients = {
        str(event["clientId"]) for _, event in _customer_events(session, connection.id, identifiers)
    }
    token = redaction.visitor_token
    for row, event in _customer_events(session, connection.id, [*identifiers, *clients]):
        anonymous = anonymous_client(token, str(event["clientId"]))
        row.payload = json.dumps(
            anonymous_pixel_payload(event, anonymous), sort_keys=True, separators=(",", ":")
        )
    redaction.digests = _digests(connection.external_account_id, token, identifiers, clients)
    session.add(redaction)
    session.flush()
    return redaction


def redact_shop(session: Session, connection: Connection, now: datetime) -> ShopifyRedaction:
    """Erase the shop's personal data from the app database now (its pixel inbox, its customers'
    data requests), and ask the pipeline to erase what it landed."""
    for table in (PixelEvent, ShopifyDataRequest):
        session.execute(delete(table).where(table.connection_id == connection.id))
    redaction = ShopifyRedaction(
        connection_id=connection.id,
        scope=RedactionScope.SHOP,
        visitor_token=f"anonymous-{secrets.token_hex(12)}",
        requested_at=now,
    )
    session.add(redaction)
    session.flush()
    return redaction


def pending_redactions(session: Session) -> list[ShopifyRedaction]:
    return list(
        session.scalars(
            select(ShopifyRedaction)
            .where(ShopifyRedaction.erased_at.is_(None))
            .order_by(ShopifyRedaction.requested_at, ShopifyRedaction.id)
        )
    )


def mark_erased(
    session: Session,
    redaction_id: str,
    order_ids: Iterable[str],
    client_ids: Iterable[str],
    now: datetime,
) -> None:
    """The warehouse is erased: keep only digests of everything that named the customer (what the
    erasure found besides the request's own ids: their other orders, their browsers)."""
    redaction = session.get(ShopifyRedaction, redaction_id)
    if redaction is None:
        return
    connection = session.get(Connection, redaction.connection_id)
    shop = connection.external_account_id if connection is not None else ""
    named = [redaction.customer_id or "", *redaction.order_ids, *order_ids]
    redaction.digests = {
        **redaction.digests,
        **_digests(shop, redaction.visitor_token, [n for n in named if n], client_ids),
    }
    redaction.customer_id = None
    redaction.order_ids = []
    redaction.erased_at = now
    session.flush()


def landing_redactions(session: Session, connection: Connection) -> LandingRedactions:
    """What the connection's landings leave out: its customer redactions' digests. A shop's own
    redaction follows its uninstall, so nothing of it lands any more; a reinstall starts anew."""
    tokens: dict[str, str] = {}
    for redaction in session.scalars(
        select(ShopifyRedaction).where(
            ShopifyRedaction.connection_id == connection.id,
            ShopifyRedaction.scope == RedactionScope.CUSTOMER,
        )
    ):
        tokens |= redaction.digests
    return LandingRedactions(shop_domain=connection.external_account_id, tokens=tokens)


def _digests(
    shop: str, token: str, identifiers: Iterable[str], clients: Iterable[str]
) -> dict[str, str]:
    """Digest → anonymous id: a browser's own, the customer's and orders' the redaction's token."""
    return {digest(shop, identifier): token for identifier in identifiers} | {
        digest(shop, client): anonymous_client(token, client) for client in clients
    }


def anonymous_pixel_payload(event: dict[str, Any], token: str) -> dict[str, Any]:
    """A pixel event keeping only what the landing reads (orchestration/defs/shopify_pixel/
    events.py), anonymised: whatever else Shopify's checkout carries (email, phone, addresses)
    is dropped."""
    document = event.get("context", {}).get("document", {})
    anonymous: dict[str, Any] = {
        "id": event.get("id"),
        "name": event.get("name"),
        "type": event.get("type"),
        "clientId": token,
        "timestamp": event.get("timestamp"),
        "context": {
            "document": {
                "location": {"href": scrub_url(document.get("location", {}).get("href"))},
                "referrer": scrub_referrer(document.get("referrer")) or "",
            }
        },
        "data": {},
    }
    checkout = event.get("data", {}).get("checkout")
    if isinstance(checkout, dict):
        anonymous["data"] = {
            "checkout": {
                "order": {"id": checkout.get("order", {}).get("id"), "customer": None},
                "totalPrice": checkout.get("totalPrice"),
            }
        }
    return anonymous


def _customer_events(
    session: Session, connection_id: str, identifiers: Sequence[str]
) -> list[tuple[PixelEvent, dict[str, Any]]]:
    """The inbox's events naming any of `identifiers` as their browser, customer or order: found
    by text first (the inbox can be large), then checked field by field."""
    wanted = {identifier for identifier in identifiers if identifier}
    if not wanted:
        return []
    rows = session.scalars(
        select(PixelEvent).where(
            PixelEvent.connection_id == connection_id,
            or_(*(PixelEvent.payload.contains(identifier) for identifier in wanted)),
        )
    )
    found: list[tuple[PixelEvent, dict[str, Any]]] = []
    for row in rows:
        event = json.loads(row.payload)
        order = (event.get("data", {}).get("checkout") or {}).get("order") or {}
        named = {event.get("clientId"), order.get("id"), (order.get("customer") or {}).get("id")}
        if named & wanted:
            found.append((row, event))
    return found
