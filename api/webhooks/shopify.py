"""Shopify's webhook deliveries: verification, and what each topic does.

Shopify signs a delivery with `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body, keyed
with the app's client secret (shopify.dev, "Deliver webhooks through HTTPS"). A delivery it does
not get a 2xx for is retried 8 times over 4 hours with its original payload and headers, so its
`X-Shopify-Triggered-At` ages across the retries (shopify.dev changelog, "Updates to webhook
retry mechanism", 2024-09).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from api.connections.service import disconnect
from api.webhooks.service import InvalidDelivery
from warehouse.appdb.credentials import CredentialCipher
from warehouse.appdb.models import SYNCED_STATUSES, ConnectionStatus
from warehouse.appdb.shopify_webhooks import (
    first_delivery,
    forget_deliveries_before,
    record_data_request,
    redact_customer,
    redact_shop,
    request_landing,
    shop_connections,
)
from warehouse.redaction import shopify_gid

ORDER_TOPICS = frozenset(("orders/create", "orders/updated", "refunds/create"))
TOPICS = ORDER_TOPICS | {
    "app/uninstalled",
    "customers/data_request",
    "customers/redact",
    "shop/redact",
}
# Stale means older than any retry Shopify would still send (4 hours of retries, the last
# attempt's 5-second timeout, some clock skew): a 5-minute tolerance like Svix's would refuse
# every legitimate retry. Within this age a replay is caught by its webhook id instead, which is
# kept a day longer than the age (`forget_deliveries_before`).
MAX_DELIVERY_AGE = timedelta(hours=6)
MAX_CLOCK_LEAD = timedelta(minutes=5)
DELIVERY_IDS_KEPT = MAX_DELIVERY_AGE + timedelta(days=1)


@dataclass(frozen=True)
class ShopifyDelivery:
    topic: str
    shop_domain: str
    webhook_id: str
    triggered_at: datetime
    payload: dict[str, Any]


def signature(body: bytes, secret: str) -> str:
    """`X-Shopify-Hmac-Sha256` of `body` under `secret`."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_shopify_delivery(
    body: bytes, headers: Mapping[str, str], secrets: Sequence[str], now: datetime
) -> ShopifyDelivery:
    """The delivery, if signed with one of `secrets` (the current one and those of a rotation),
    with every header Shopify sends, triggered within `MAX_DELIVERY_AGE`."""
    if not secrets:
        raise InvalidDelivery("no Shopify app secret is configured (METRICX_SHOPIFY_API_SECRET)")
    given = headers.get("x-shopify-hmac-sha256", "")
    try:
        given_digest = base64.b64decode(given, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidDelivery("X-Shopify-Hmac-Sha256 is not base64") from None
    # Every secret is tried, each compared in constant time: which one matched leaks nothing.
    expected = [hmac.new(s.encode(), body, hashlib.sha256).digest() for s in secrets]
    if not any([hmac.compare_digest(digest, given_digest) for digest in expected]):
        raise InvalidDelivery("no signature matched")
    missing = [
        name
        for name in (
            "X-Shopify-Topic",
            "X-Shopify-Shop-Domain",
            "X-Shopify-Webhook-Id",
            "X-Shopify-Triggered-At",
        )
        if not headers.get(name.lower())
    ]
    if missing:
        raise InvalidDelivery(f"missing {', '.join(missing)}")
    triggered_at = _moment(headers["x-shopify-triggered-at"])
    if triggered_at < now - MAX_DELIVERY_AGE:
        raise InvalidDelivery(
            f"triggered at {triggered_at.isoformat()}, older than Shopify retries a delivery"
        )
    if triggered_at > now + MAX_CLOCK_LEAD:
        raise InvalidDelivery(f"triggered at {triggered_at.isoformat()}, in the future")
    try:
        payload = json.loads(body)
    except ValueError:
        raise InvalidDelivery("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise InvalidDelivery("the body is not a JSON object")
    return ShopifyDelivery(
        topic=headers["x-shopify-topic"],
        shop_domain=headers["x-shopify-shop-domain"],
        webhook_id=headers["x-shopify-webhook-id"],
        triggered_at=triggered_at,
        payload=payload,
    )


def apply_delivery(
    session: Session, cipher: CredentialCipher, delivery: ShopifyDelivery, now: datetime
) -> bool:
    """Apply a verified delivery once; False for a repeat, a topic metricx does not follow, or a
    shop no workspace connects (answered 2xx all the same: the delivery is authentic, and an
    error would only make Shopify retry it for hours and count it against the app)."""
    forget_deliveries_before(session, now - DELIVERY_IDS_KEPT)
    if delivery.topic not in TOPICS:
        return False
    if not first_delivery(session, delivery.webhook_id, delivery.topic, delivery.shop_domain, now):
        return False
    connections = shop_connections(session, delivery.shop_domain)
    payload = delivery.payload
    for connection in connections:
        if delivery.topic in ORDER_TOPICS:
            if connection.status in SYNCED_STATUSES:
                request_landing(session, connection.id, now)
        elif delivery.topic == "app/uninstalled":
            if connection.status != ConnectionStatus.DISCONNECTED:
                disconnect(session, connection, cipher)
        elif delivery.topic == "customers/data_request":
            customer = payload.get("customer") or {}
            record_data_request(
                session,
                connection,
                data_request_id=str((payload.get("data_request") or {}).get("id", "")),
                customer_id=shopify_gid("Customer", customer.get("id", "")),
                email=customer.get("email"),
                phone=customer.get("phone"),
                order_ids=_order_ids(payload.get("orders_requested")),
                now=now,
            )
        elif delivery.topic == "customers/redact":
            customer = payload.get("customer") or {}
            redact_customer(
                session,
                connection,
                customer_id=shopify_gid("Customer", customer.get("id", "")),
                order_ids=_order_ids(payload.get("orders_to_redact")),
                now=now,
            )
        elif delivery.topic == "shop/redact":
            redact_shop(session, connection, now)
    return bool(connections)


def _order_ids(numbers: object) -> list[str]:
    return [shopify_gid("Order", n) for n in numbers] if isinstance(numbers, list) else []


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidDelivery("X-Shopify-Triggered-At is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise InvalidDelivery("X-Shopify-Triggered-At has no UTC offset")
    return moment.astimezone(UTC)
