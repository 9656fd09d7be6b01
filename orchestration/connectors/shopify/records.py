"""What the Shopify connector yields, parsed exactly from the Admin API's order nodes.

Money arrives as MoneyBags of decimal strings (`"12.3"`) and is validated to Decimal, never
through float; an amount that is not a plain decimal number, or not in the order's currency,
makes the whole order unreadable (quarantined by the client), rather than half-landed.

What Shopify gives about a customer's history, and what this module takes from it:
`customerJourneySummary.customerOrderIndex` is the order's position in its customer's history
(1 for a first order; test orders are not counted), kept as `customer_order_index`;
`customer.numberOfOrders` is the customer's lifetime order count at the moment of the read,
kept as `customer_orders_at_capture` (it grows with every later order, so it says nothing about
this order by itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AliasPath,
    BeforeValidator,
    Field,
    StrictBool,
    StrictStr,
    TypeAdapter,
    ValidationInfo,
    field_validator,
)
from pydantic.dataclasses import dataclass
from pydantic_core import PydanticCustomError

from orchestration.connectors.quarantine import MalformedRow, validated
from orchestration.connectors.wire import RECORD_CONFIG, ExactDecimal, UtcDatetime, WireInt


def _in_order_currency(money_bag: Any, info: ValidationInfo) -> Any:
    # Every amount of an order is read in the shop's currency (`shopMoney`), which must be the
    # order's own: the order's currency comes as validation context, so refunds and line items
    # are checked against it too.
    money = money_bag.get("shopMoney") if isinstance(money_bag, Mapping) else None
    if not isinstance(money, Mapping):
        raise PydanticCustomError("money_bag", "Input should be a MoneyBag with its shopMoney")
    currency = (info.context or {}).get("currency")
    if money.get("currencyCode") != currency:
        raise PydanticCustomError(
            "currency",
            "Input should be in the order's currency {currency}",
            {"currency": currency},
        )
    return money.get("amount")


def _none_as_empty(items: Any) -> Any:
    return () if items is None else items


def _edge_nodes(edges: Any) -> Any:
    # A connection's `edges: [{node: ...}]`, as the nodes themselves.
    if not isinstance(edges, list):
        return _none_as_empty(edges)
    return [edge.get("node") if isinstance(edge, Mapping) else edge for edge in edges]


ShopMoney = Annotated[ExactDecimal, BeforeValidator(_in_order_currency)]
_ReadInFull = Annotated[bool, BeforeValidator(lambda more: more is False)]


def _wire(name: str, *, default: Any = ...) -> Any:
    return Field(default, validation_alias=name)


def _nested(*path: str, default: Any = None) -> Any:
    return Field(default, validation_alias=AliasPath(*path))


@dataclass(frozen=True, kw_only=True, config=RECORD_CONFIG)
class ShopifyVisit:
    """One session of the order's customer journey, as Shopify attributes it."""

    visit_id: StrictStr = _wire("id")
    occurred_at: UtcDatetime = _wire("occurredAt")
    source: str | None = None  # Shopify's own label: "facebook", "google", "direct", "email", ...
    utm_source: str | None = _nested("utmParameters", "source")
    utm_medium: str | None = _nested("utmParameters", "medium")
    utm_campaign: str | None = _nested("utmParameters", "campaign")
    utm_content: str | None = _nested("utmParameters", "content")
    utm_term: str | None = _nested("utmParameters", "term")
    # The full URL, query string (fbclid, gclid, utm_*) included.
    landing_page: str | None = _wire("landingPage", default=None)
    referrer_url: str | None = _wire("referrerUrl", default=None)


@dataclass(frozen=True, kw_only=True, config=RECORD_CONFIG)
class ShopifyRefundLineItem:
    """Units of a line item a refund gives back; `subtotal` is what they sold for after
    discounts (tax inside when the order's prices include tax), `tax` the tax on them."""

    quantity: WireInt
    subtotal: ShopMoney = _wire("subtotalSet")
    tax: ShopMoney = _wire("totalTaxSet")


@dataclass(frozen=True, kw_only=True, config=RECORD_CONFIG)
class ShopifyRefundShippingLine:
    """Shipping a refund gives back (tax inside when prices include tax) and the tax on it."""

    subtotal: ShopMoney = _wire("subtotalAmountSet")
    tax: ShopMoney = _wire("taxAmountSet")


@dataclass(frozen=True, kw_only=True, config=RECORD_CONFIG)
class ShopifyRefund:
    """A refund: its amount, and what it gives back (`refundLineItems`,
    `refundShippingLines`). `lines_complete` is false when either list was cut short or not
    read (an order gone before its refunds' details were asked for)."""

    refund_id: StrictStr = _wire("id")
    created_at: UtcDatetime = _wire("createdAt")
    amount: ShopMoney = _wire("totalRefundedSet")
    line_items: Annotated[tuple[ShopifyRefundLineItem, ...], BeforeValidator(_none_as_empty)] = (
        _nested("refundLineItems", "nodes", default=())
    )
    shipping_lines: Annotated[
        tuple[ShopifyRefundShippingLine, ...], BeforeValidator(_none_as_empty)
    ] = _nested("refundShippingLines", "nodes", default=())
    # Each list read in full says so with `pageInfo.hasNextPage: false`.
    line_items_complete: _ReadInFull = _nested(
        "refundLineItems", "pageInfo", "hasNextPage", default=False
    )
    shipping_lines_complete: _ReadInFull = _nested(
        "refundShippingLines", "pageInfo", "hasNextPage", default=False
    )

    @property
    def lines_complete(self) -> bool:
        return self.line_items_complete and self.shipping_lines_complete

    @classmethod
    def from_node(cls, node: Mapping[str, Any], currency: str) -> ShopifyRefund:
        return _REFUND.validate_python(node, context={"currency": currency})


@dataclass(frozen=True, kw_only=True, config=RECORD_CONFIG)
class ShopifyLineItem:
    line_item_id: StrictStr = _wire("id")
    name: StrictStr
    sku: str | None = None
    quantity: WireInt
    unit_price: ShopMoney = _wire("originalUnitPriceSet")  # before discounts

    @classmethod
    def from_node(cls, node: Mapping[str, Any], currency: str) -> ShopifyLineItem:
        return _LINE_ITEM.validate_python(node, context={"currency": currency})


@dataclass(frozen=True, kw_only=True, config=RECORD_CONFIG)
class ShopifyTaxLine:
    amount: ShopMoney = _wire("priceSet")


@dataclass(frozen=True, kw_only=True, config=RECORD_CONFIG)
class ShopifyOrder:
    """One order as it stood when it was read; a later read of the same order supersedes it.

    Money is in the shop's currency (Shopify's `shopMoney`): `subtotal` is the line items after
    discounts, `total` adds shipping and (unless `taxes_included`) tax, `total_refunded` is what
    was refunded so far. When prices include tax, `subtotal` and `shipping` have it inside, as
    the refunds' amounts do. `first_visit`/`last_visit` are None until Shopify has built the
    journey (`journey_ready`), which takes a few minutes after the order.
    """

    order_id: StrictStr = _wire("id")
    name: StrictStr
    created_at: UtcDatetime = _wire("createdAt")
    updated_at: UtcDatetime = _wire("updatedAt")
    processed_at: UtcDatetime = _wire("processedAt")
    cancelled_at: UtcDatetime | None = _wire("cancelledAt", default=None)
    test: StrictBool
    currency: StrictStr = _wire("currencyCode")
    taxes_included: StrictBool = _wire("taxesIncluded")
    financial_status: str | None = _wire("displayFinancialStatus", default=None)
    fulfillment_status: str | None = _wire("displayFulfillmentStatus", default=None)
    subtotal: ShopMoney = _wire("subtotalPriceSet")
    total_discounts: ShopMoney = _wire("totalDiscountsSet")
    shipping: ShopMoney = _wire("totalShippingPriceSet")
    tax: ShopMoney = _wire("totalTaxSet")
    total: ShopMoney = _wire("totalPriceSet")
    total_refunded: ShopMoney = _wire("totalRefundedSet")
    shipping_tax_lines: Annotated[tuple[ShopifyTaxLine, ...], BeforeValidator(_none_as_empty)] = (
        _nested("shippingLine", "taxLines", default=())
    )
    customer_id: StrictStr | None = _nested("customer", "id")
    customer_order_index: WireInt | None = _nested("customerJourneySummary", "customerOrderIndex")
    # UnsignedInt64 travels as a string.
    customer_orders_at_capture: WireInt | None = _nested("customer", "numberOfOrders")
    # Only a `ready: true` means Shopify has built the journey.
    journey_ready: Annotated[bool, BeforeValidator(lambda ready: ready is True)] = _nested(
        "customerJourneySummary", "ready", default=False
    )
    days_to_conversion: WireInt | None = _nested("customerJourneySummary", "daysToConversion")
    first_visit: ShopifyVisit | None = _nested("customerJourneySummary", "firstVisit")
    last_visit: ShopifyVisit | None = _nested("customerJourneySummary", "lastVisit")
    refunds: Annotated[tuple[ShopifyRefund, ...], BeforeValidator(_none_as_empty)] = ()
    line_items: Annotated[tuple[ShopifyLineItem, ...], BeforeValidator(_edge_nodes)] = _nested(
        "lineItems", "edges", default=()
    )
    # False when the order has more lines than one read returns.
    line_items_complete: Annotated[bool, BeforeValidator(lambda more: not more)] = _nested(
        "lineItems", "pageInfo", "hasNextPage", default=True
    )

    @property
    def shipping_tax(self) -> Decimal:
        """The tax on shipping: what the shipping line's tax lines add up to (part of `tax`)."""
        return sum((line.amount for line in self.shipping_tax_lines), Decimal(0))

    @field_validator("first_visit", "last_visit", mode="before")
    @classmethod
    def _once_the_journey_is_ready(cls, visit: Any, info: ValidationInfo) -> Any:
        return visit if info.data.get("journey_ready") else None

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> ShopifyOrder:
        """Validate an order node; fields the connector did not ask for are ignored. Raises
        pydantic's ValidationError (a ValueError) naming each field that does not parse."""
        return _ORDER.validate_python(node, context=_currency_of(node))


_REFUND = TypeAdapter(ShopifyRefund)
_LINE_ITEM = TypeAdapter(ShopifyLineItem)
_ORDER = TypeAdapter(ShopifyOrder)


def parse_order(node: Any) -> ShopifyOrder | MalformedRow:
    """The order node as a record, or as a MalformedRow naming the order and what is wrong."""
    order_id = node.get("id") if isinstance(node, Mapping) else None
    return validated(_ORDER, node, context=_currency_of(node), what=f"order {order_id}: ")


def _currency_of(node: Any) -> dict[str, Any]:
    return {"currency": node.get("currencyCode") if isinstance(node, Mapping) else None}
