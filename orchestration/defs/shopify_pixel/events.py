"""A stored pixel event (the Shopify web pixel wire format) as a raw table row.

The API checked the events when they arrived, but the inbox holds whatever was accepted then:
anything unreadable now is quarantined with its reason, not landed.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

from orchestration.connectors.quarantine import MalformedRow
from warehouse.raw_tables import SHOPIFY_PIXEL_EVENTS
from warehouse.redaction import LandingRedactions

_CHECKOUT_COMPLETED = "checkout_completed"
_URL_PARAMETERS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


def pixel_row(
    payload: str,
    *,
    shop_domain: str,
    received_at: datetime,
    redactions: LandingRedactions | None = None,
) -> tuple[object, ...] | MalformedRow:
    """The event's row; anonymised when its browser, customer or order was redacted (the inbox
    was anonymised too, but events a redacted browser sent later arrive in clear)."""
    try:
        event = json.loads(payload)
        values = _values(event, shop_domain, received_at)
        if redactions is not None:
            values = redactions.pixel_values(values)
        return SHOPIFY_PIXEL_EVENTS.row_values(values)
    except (ValueError, KeyError, TypeError, AttributeError, InvalidOperation) as exc:
        return MalformedRow(
            reason=f"unreadable pixel event: {type(exc).__name__}: {exc}", payload=payload
        )


def _values(event: dict[str, Any], shop_domain: str, received_at: datetime) -> dict[str, object]:
    document = event["context"]["document"]
    page_url = str(document["location"]["href"])
    # The first value of each: a landing URL with a parameter twice is the visitor's browser.
    query = {name: values[0] for name, values in parse_qs(urlsplit(page_url).query).items()}
    occurred_at = datetime.fromisoformat(str(event["timestamp"]).replace("Z", "+00:00"))
    if occurred_at.tzinfo is None:
        raise ValueError(f"timestamp {event['timestamp']!r} has no UTC offset")
    values: dict[str, object] = {
        "shop_domain": shop_domain,
        "event_id": _text(event["id"]),
        "event_name": _text(event["name"]),
        "client_id": _text(event["clientId"]),
        "occurred_at": occurred_at,
        "received_at": received_at,
        "page_url": page_url,
        "referrer": document.get("referrer") or None,
        **{name: query.get(name) for name in _URL_PARAMETERS},
        "fbclid": query.get("fbclid"),
        "gclid": query.get("gclid"),
        "order_id": None,
        "customer_id": None,
        "order_total": None,
        "currency": None,
    }
    if values["event_name"] == _CHECKOUT_COMPLETED:
        checkout = event["data"]["checkout"]
        customer = checkout["order"].get("customer") or {}
        total = checkout["totalPrice"]
        amount = Decimal(str(total["amount"]))
        if amount < 0:
            raise ValueError(f"negative order total {amount}")
        values |= {
            "order_id": _text(checkout["order"]["id"]),
            "customer_id": customer.get("id"),
            "order_total": amount,
            "currency": _text(total["currencyCode"]).upper(),
        }
    return values


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a non-empty string, got {value!r}")
    return value
