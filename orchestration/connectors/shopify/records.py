"""What the Shopify connector yields, parsed exactly from the Admin API's order nodes.

Money arrives as decimal strings (`"12.3"`) and is parsed to Decimal, never through float; a
string that is not a plain decimal number makes the whole order unreadable (quarantined by the
client), rather than half-landed.

What Shopify gives about a customer's history, and what this module takes from it:
`customerJourneySummary.customerOrderIndex` is the order's position in its customer's history
(1 for a first order; test orders are not counted), kept as `customer_order_index`;
`customer.numberOfOrders` is the customer's lifetime order count at the moment of the read,
kept as `customer_orders_at_capture` (it grows with every later order, so it says nothing about
this order by itself).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class ShopifyVisit:
    """One session of the order's customer journey, as Shopify attributes it."""

    visit_id: str
    occurred_at: datetime
    source: str | None  # Shopify's own label: "facebook", "google", "direct", "email", ...
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    utm_content: str | None
    utm_term: str | None
    landing_page: str | None  # full URL, query string (fbclid, gclid, utm_*) included
    referrer_url: str | None

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> ShopifyVisit:
        utm = node.get("utmParameters") or {}
        return cls(
            visit_id=str(node["id"]),
            occurred_at=_timestamp(node["occurredAt"]),
            source=node.get("source"),
            utm_source=utm.get("source"),
            utm_medium=utm.get("medium"),
            utm_campaign=utm.get("campaign"),
            utm_content=utm.get("content"),
            utm_term=utm.get("term"),
            landing_page=node.get("landingPage"),
            referrer_url=node.get("referrerUrl"),
        )


@dataclass(frozen=True)
class ShopifyRefund:
    refund_id: str
    created_at: datetime
    amount: Decimal

    @classmethod
    def from_node(cls, node: Mapping[str, Any], currency: str) -> ShopifyRefund:
        return cls(
            refund_id=str(node["id"]),
            created_at=_timestamp(node["createdAt"]),
            amount=_shop_money(node, "totalRefundedSet", currency),
        )


@dataclass(frozen=True)
class ShopifyLineItem:
    line_item_id: str
    name: str
    sku: str | None
    quantity: int
    unit_price: Decimal  # before discounts

    @classmethod
    def from_node(cls, node: Mapping[str, Any], currency: str) -> ShopifyLineItem:
        quantity = node["quantity"]
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise ValueError(f"line item quantity is not an integer: {quantity!r}")
        return cls(
            line_item_id=str(node["id"]),
            name=str(node["name"]),
            sku=node.get("sku"),
            quantity=quantity,
            unit_price=_shop_money(node, "originalUnitPriceSet", currency),
        )


@dataclass(frozen=True)
class ShopifyOrder:
    """One order as it stood when it was read; a later read of the same order supersedes it.

    Money is in the shop's currency (Shopify's `shopMoney`): `subtotal` is the line items after
    discounts, `total` adds shipping and (unless `taxes_included`) tax, `total_refunded` is what
    was refunded so far. `first_visit`/`last_visit` are None until Shopify has built the
    journey (`journey_ready`), which takes a few minutes after the order.
    """

    order_id: str
    name: str
    created_at: datetime
    updated_at: datetime
    processed_at: datetime
    cancelled_at: datetime | None
    test: bool
    currency: str
    taxes_included: bool
    financial_status: str | None
    fulfillment_status: str | None
    subtotal: Decimal
    total_discounts: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    total_refunded: Decimal
    customer_id: str | None
    customer_order_index: int | None
    customer_orders_at_capture: int | None
    journey_ready: bool
    days_to_conversion: int | None
    first_visit: ShopifyVisit | None
    last_visit: ShopifyVisit | None
    refunds: tuple[ShopifyRefund, ...]
    line_items: tuple[ShopifyLineItem, ...]
    line_items_complete: bool  # False when the order has more lines than one read returns

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> ShopifyOrder:
        """Parse an order node; fields the connector did not ask for are ignored."""
        currency = str(node["currencyCode"])
        customer = node.get("customer")
        journey = node.get("customerJourneySummary") or {}
        ready = journey.get("ready") is True
        line_items = node.get("lineItems") or {}
        return cls(
            order_id=str(node["id"]),
            name=str(node["name"]),
            created_at=_timestamp(node["createdAt"]),
            updated_at=_timestamp(node["updatedAt"]),
            processed_at=_timestamp(node["processedAt"]),
            cancelled_at=_optional_timestamp(node.get("cancelledAt")),
            test=_boolean(node["test"], "test"),
            currency=currency,
            taxes_included=_boolean(node["taxesIncluded"], "taxesIncluded"),
            financial_status=node.get("displayFinancialStatus"),
            fulfillment_status=node.get("displayFulfillmentStatus"),
            subtotal=_shop_money(node, "subtotalPriceSet", currency),
            total_discounts=_shop_money(node, "totalDiscountsSet", currency),
            shipping=_shop_money(node, "totalShippingPriceSet", currency),
            tax=_shop_money(node, "totalTaxSet", currency),
            total=_shop_money(node, "totalPriceSet", currency),
            total_refunded=_shop_money(node, "totalRefundedSet", currency),
            customer_id=str(customer["id"]) if customer else None,
            customer_order_index=_optional_int(journey.get("customerOrderIndex")),
            # UnsignedInt64 travels as a string.
            customer_orders_at_capture=_optional_int(customer.get("numberOfOrders"))
            if customer
            else None,
            journey_ready=ready,
            days_to_conversion=_optional_int(journey.get("daysToConversion")),
            first_visit=_visit(journey.get("firstVisit")) if ready else None,
            last_visit=_visit(journey.get("lastVisit")) if ready else None,
            refunds=tuple(
                ShopifyRefund.from_node(refund, currency) for refund in node.get("refunds") or ()
            ),
            line_items=tuple(
                ShopifyLineItem.from_node(edge["node"], currency)
                for edge in line_items.get("edges") or ()
            ),
            line_items_complete=not (line_items.get("pageInfo") or {}).get("hasNextPage", False),
        )


def _visit(node: Mapping[str, Any] | None) -> ShopifyVisit | None:
    return ShopifyVisit.from_node(node) if node else None


def _shop_money(node: Mapping[str, Any], field: str, currency: str) -> Decimal:
    money = node[field]["shopMoney"]
    amount = money["amount"]
    if not isinstance(amount, str) or not _DECIMAL.fullmatch(amount):
        raise ValueError(f"{field} amount is not a decimal string: {amount!r}")
    if money.get("currencyCode") != currency:
        raise ValueError(f"{field} is in {money.get('currencyCode')!r}, the order in {currency!r}")
    return Decimal(amount)


def _timestamp(raw: Any) -> datetime:
    if not isinstance(raw, str):
        raise ValueError(f"not a timestamp: {raw!r}")
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {raw!r}")
    return moment.astimezone(UTC)


def _optional_timestamp(raw: Any) -> datetime | None:
    return None if raw is None else _timestamp(raw)


def _optional_int(raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValueError(f"not an integer: {raw!r}")
    return int(raw)


def _boolean(raw: Any, field: str) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(f"{field} is not a boolean: {raw!r}")
    return raw
