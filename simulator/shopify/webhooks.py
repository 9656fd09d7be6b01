"""The Shopify app's webhooks, as Shopify delivers them (shopify.dev, "Deliver webhooks through
HTTPS" and "Privacy law compliance"): a JSON body in the topic's shape, signed with the app's
client secret (`X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body), and the headers
naming topic, shop, delivery and trigger time.

Bodies: `orders/create` and `orders/updated` carry the REST Order, `refunds/create` the Refund,
`app/uninstalled` the Shop; the privacy topics carry `shop_id`, `shop_domain` and, for a
customer, `customer` {id, email, phone} with `orders_to_redact` or `orders_requested` (and the
`data_request` id). Ids are numbers, as in the REST API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from simulator.merchants import Merchant
from simulator.shopify.app_install import SHOPIFY_API_SECRET
from simulator.shopify.records import Refund, ShopOrder, order_number

API_VERSION = "2025-01"
_FIRST_NAMES = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken")
_LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson")


@dataclass(frozen=True)
class CustomerContact:
    """What a shop knows about a customer and metricx must never keep: name, email, phone,
    address. The same for the same customer."""

    first_name: str
    last_name: str
    email: str
    phone: str
    address1: str
    city: str
    zip: str


@dataclass(frozen=True)
class SignedDelivery:
    topic: str
    shop_domain: str
    webhook_id: str
    body: bytes
    headers: dict[str, str]


def number_of(gid: str) -> int:
    """The number of a `gid://shopify/{Kind}/{n}` id, the id REST payloads carry."""
    return int(gid.rsplit("/", 1)[1])


def shop_number(merchant: Merchant) -> int:
    return int.from_bytes(hashlib.sha256(merchant.shop_domain.encode()).digest()[:6], "big")


def customer_contact(customer_id: str) -> CustomerContact:
    n = number_of(customer_id)
    digits = int.from_bytes(hashlib.sha256(customer_id.encode()).digest()[:8], "big")
    first, last = _FIRST_NAMES[n % len(_FIRST_NAMES)], _LAST_NAMES[n // 7 % len(_LAST_NAMES)]
    return CustomerContact(
        first_name=first,
        last_name=last,
        email=f"{first.lower()}.{last.lower()}.{n}@example.com",
        # Ten digits from a hash: customer numbers share their low digits (hour and slot), and
        # two customers with one phone would blur what a redaction test can tell apart.
        phone=f"+1{2 + digits % 8}{digits // 8 % 10**9:09d}",
        address1=f"{n % 900 + 100} Market Street",
        city="Springfield",
        zip=f"{n % 90_000 + 10_000}",
    )


def sign(
    merchant: Merchant,
    topic: str,
    payload: dict[str, Any],
    *,
    triggered_at: datetime,
    secret: str = SHOPIFY_API_SECRET,
    webhook_id: str | None = None,
) -> SignedDelivery:
    """The delivery of `payload` on `topic` for the merchant's shop, signed with `secret`."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    webhook_id = webhook_id or str(uuid.uuid4())
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        "X-Shopify-Shop-Domain": merchant.shop_domain,
        "X-Shopify-API-Version": API_VERSION,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Event-Id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{topic}/{webhook_id}")),
        "X-Shopify-Triggered-At": triggered_at.astimezone(UTC).isoformat(),
    }
    return SignedDelivery(topic, merchant.shop_domain, webhook_id, body, headers)


def deliver(address: str, delivery: SignedDelivery) -> httpx.Response:
    """POST the delivery to the app's webhook address, as Shopify does (5-second timeout)."""
    return httpx.post(address, content=delivery.body, headers=delivery.headers, timeout=5.0)


def order_payload(order: ShopOrder) -> dict[str, Any]:
    """The REST Order of `orders/create` and `orders/updated` (the fields metricx could read,
    and the customer's contact it must not keep)."""
    contact = customer_contact(order.customer_id) if order.customer_id else None
    address = None
    if contact is not None:
        address = {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "address1": contact.address1,
            "city": contact.city,
            "zip": contact.zip,
            "phone": contact.phone,
            "country_code": "US",
        }
    return {
        "id": order_number(order),
        "admin_graphql_api_id": order.order_id,
        "name": order.name,
        "email": contact.email if contact else "",
        "phone": contact.phone if contact else None,
        "created_at": _time(order.created_at),
        "updated_at": _time(order.updated_at),
        "processed_at": _time(order.processed_at),
        "cancelled_at": _time(order.cancelled_at),
        "test": order.test,
        "currency": order.currency,
        "taxes_included": order.taxes_included,
        "financial_status": "refunded" if order.refunds else "paid",
        "fulfillment_status": "fulfilled" if order.fulfilled_at else None,
        "subtotal_price": str(order.subtotal),
        "total_discounts": str(order.total_discounts),
        "total_tax": str(order.tax),
        "total_price": str(order.total),
        "customer": None
        if contact is None or order.customer_id is None
        else {
            "id": number_of(order.customer_id),
            "admin_graphql_api_id": order.customer_id,
            "email": contact.email,
            "phone": contact.phone,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "default_address": address,
        },
        "billing_address": address,
        "shipping_address": address,
        "line_items": [
            {
                "id": number_of(item.line_item_id),
                "admin_graphql_api_id": item.line_item_id,
                "title": item.title,
                "sku": item.sku,
                "quantity": item.quantity,
                "price": str(item.unit_price),
            }
            for item in order.line_items
        ],
        "refunds": [refund_payload(order, refund) for refund in order.refunds],
        "landing_site": order.first_visit.landing_page,
        "referring_site": order.first_visit.referrer_url or "",
    }


def refund_payload(order: ShopOrder, refund: Refund) -> dict[str, Any]:
    """The Refund of `refunds/create`."""
    return {
        "id": number_of(refund.refund_id),
        "admin_graphql_api_id": refund.refund_id,
        "order_id": order_number(order),
        "created_at": _time(refund.created_at),
        "processed_at": _time(refund.created_at),
        "refund_line_items": [
            {
                "line_item_id": number_of(item.line_item_id),
                "quantity": item.quantity,
                "subtotal": str(item.subtotal),
            }
            for item in refund.line_items
        ],
        "transactions": [
            {"kind": "refund", "status": "success", "amount": str(refund.amount)},
        ],
    }


def shop_payload(merchant: Merchant) -> dict[str, Any]:
    """The Shop of `app/uninstalled`."""
    return {
        "id": shop_number(merchant),
        "name": merchant.name,
        "email": merchant.email,
        "domain": merchant.shop_domain,
        "myshopify_domain": merchant.shop_domain,
        "currency": merchant.currency,
        "iana_timezone": merchant.timezone,
    }


def customers_redact_payload(
    merchant: Merchant, customer_id: str, order_ids: list[str]
) -> dict[str, Any]:
    contact = customer_contact(customer_id)
    return {
        "shop_id": shop_number(merchant),
        "shop_domain": merchant.shop_domain,
        "customer": {
            "id": number_of(customer_id),
            "email": contact.email,
            "phone": contact.phone,
        },
        "orders_to_redact": [number_of(order_id) for order_id in order_ids],
    }


def customers_data_request_payload(
    merchant: Merchant, customer_id: str, order_ids: list[str], request_number: int
) -> dict[str, Any]:
    contact = customer_contact(customer_id)
    return {
        "shop_id": shop_number(merchant),
        "shop_domain": merchant.shop_domain,
        "orders_requested": [number_of(order_id) for order_id in order_ids],
        "customer": {
            "id": number_of(customer_id),
            "email": contact.email,
            "phone": contact.phone,
        },
        "data_request": {"id": request_number},
    }


def shop_redact_payload(merchant: Merchant) -> dict[str, Any]:
    return {"shop_id": shop_number(merchant), "shop_domain": merchant.shop_domain}


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()
