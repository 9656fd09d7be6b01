"""The simulated shops' storefront traffic, replayed to metricx's pixel intake as the merchant's
Shopify custom web pixel would send it (shopify.dev, "Web pixels API: standard events").

A pixel sends as the visitor browses, so each batch holds events of one 15-minute window of
occurrence and says when it was sent: a replay of past traffic can have the intake record the
receipt at that moment, and the pipeline land it in the window it would have arrived in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from simulator.shopify.records import PixelEvent, PixelEventName, ShopOrder
from simulator.shopify.webhooks import customer_contact
from simulator.shopify.world import ShopWorld
from simulator.world import World

PIXEL_EVENTS_PATH = "/v1/pixel/events"
PIXEL_KEY_HEADER = "X-Metricx-Pixel-Key"
DEFAULT_BATCH_SIZE = 200
# A checkout completes up to 40 minutes into its session: sessions started this long before the
# range still send events inside it.
_SESSION_SPAN = timedelta(hours=1)


@dataclass(frozen=True)
class PixelBatch:
    sent_at: datetime  # when the pixel sent it: its last event's moment
    body: dict[str, list[dict[str, Any]]]


def pixel_batches(
    world: World,
    shop_domain: str,
    start: datetime,
    end: datetime,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[PixelBatch]:
    """The shop's pixel events that occurred in [start, end), in wire format, in batches of at
    most `batch_size` that never span two 15-minute windows."""
    shops = ShopWorld.of(world)
    events = [
        event
        for event in shops.pixel_events(shop_domain, start - _SESSION_SPAN, end)
        if start <= event.occurred_at < end
    ]
    events.sort(key=lambda event: (event.occurred_at, event.event_id))
    orders = {
        order.order_id: order for order in shops.orders(shop_domain, start - _SESSION_SPAN, end)
    }
    referrers = _referrers(shops, shop_domain, start, end, events)
    batch: list[PixelEvent] = []
    for event in events:
        if batch and (len(batch) == batch_size or _window(event) != _window(batch[0])):
            yield _batch(batch, orders, referrers)
            batch = []
        batch.append(event)
    if batch:
        yield _batch(batch, orders, referrers)


def post_batch(client: httpx.Client, pixel_key: str, batch: PixelBatch) -> dict[str, Any]:
    """Post one batch to the intake `client` points at; returns the intake's counts."""
    response = client.post(
        PIXEL_EVENTS_PATH, json=batch.body, headers={PIXEL_KEY_HEADER: pixel_key}
    )
    response.raise_for_status()
    return response.json()


def _window(event: PixelEvent) -> datetime:
    moment = event.occurred_at.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def _referrers(
    shops: ShopWorld, shop_domain: str, start: datetime, end: datetime, events: list[PixelEvent]
) -> dict[str, str]:
    """Each event's `document.referrer`: the external referrer on a session's landing page, the
    page viewed before it on the others."""
    landing = {
        session.session_id: session.referrer_url or ""
        for session in shops.sessions(shop_domain, start - _SESSION_SPAN, end)
    }
    previous: dict[str, str] = {}
    referrers: dict[str, str] = {}
    for event in sorted(events, key=lambda e: (e.session_id, e.occurred_at, e.event_id)):
        referrers[event.event_id] = previous.get(
            event.session_id, landing.get(event.session_id, "")
        )
        previous[event.session_id] = event.url
    return referrers


def _batch(
    events: list[PixelEvent], orders: dict[str, ShopOrder], referrers: dict[str, str]
) -> PixelBatch:
    return PixelBatch(
        sent_at=events[-1].occurred_at,
        body={"events": [_wire(event, orders, referrers[event.event_id]) for event in events]},
    )


def _wire(event: PixelEvent, orders: dict[str, ShopOrder], referrer: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if event.name is PixelEventName.CHECKOUT_COMPLETED and event.order_id is not None:
        order = orders[event.order_id]
        # Shopify's pixel sends MoneyV2 amounts as JSON numbers; the intake reads numbers and
        # strings alike as decimals, so the replay sends the exact string and no float.
        total = {"amount": str(order.total), "currencyCode": order.currency}
        data = {
            "checkout": {
                "order": {
                    "id": order.order_id,
                    "customer": {"id": order.customer_id} if order.customer_id else None,
                },
                "totalPrice": total,
                "currencyCode": order.currency,
                **_checkout_contact(order),
            }
        }
    return {
        "id": event.event_id,
        "name": event.name.value,
        "type": "standard",
        "clientId": event.client_id,
        "timestamp": event.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "context": {"document": {"location": {"href": event.url}, "referrer": referrer}},
        "data": data,
    }


def _checkout_contact(order: ShopOrder) -> dict[str, Any]:
    """The buyer's contact, which Shopify's checkout carries: the intake keeps the event as sent,
    so the inbox holds personal data that a redaction must erase."""
    if order.customer_id is None:
        return {}
    contact = customer_contact(order.customer_id)
    address = {
        "firstName": contact.first_name,
        "lastName": contact.last_name,
        "address1": contact.address1,
        "city": contact.city,
        "zip": contact.zip,
        "countryCode": "US",
        "phone": contact.phone,
    }
    return {
        "email": contact.email,
        "phone": contact.phone,
        "shippingAddress": address,
        "billingAddress": address,
    }
