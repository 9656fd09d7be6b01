"""What a simulated shop shows: sessions, orders with their line items and refunds, the web
pixel's events, and the catalogue every demo shop sells from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

PRODUCTS = (
    ("everyday-tee", "Everyday Tee"),
    ("merino-beanie", "Merino Beanie"),
    ("canvas-tote", "Canvas Tote"),
    ("trail-socks-3-pack", "Trail Socks 3-Pack"),
    ("rain-shell", "Rain Shell"),
    ("enamel-camp-mug", "Enamel Camp Mug"),
    ("linen-shirt", "Linen Shirt"),
    ("wool-blanket", "Wool Blanket"),
)
HANDLES = {title: handle for handle, title in PRODUCTS}


class Channel(StrEnum):
    META = "meta"
    GOOGLE = "google"
    ORGANIC_SEARCH = "organic_search"
    DIRECT = "direct"
    REFERRAL = "referral"
    EMAIL = "email"


class PixelEventName(StrEnum):
    PAGE_VIEWED = "page_viewed"
    PRODUCT_VIEWED = "product_viewed"
    CHECKOUT_COMPLETED = "checkout_completed"


@dataclass(frozen=True, slots=True)
class Utm:
    source: str | None = None
    medium: str | None = None
    campaign: str | None = None
    content: str | None = None
    term: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    """One visit to the storefront. `visit_id` is the CustomerVisit id Shopify shows in journeys."""

    session_id: str
    visit_id: str
    client_id: str  # the visitor's browser, stable across their visits
    channel: Channel
    started_at: datetime
    landing_page: str  # full URL, query string included
    referrer_url: str | None
    utm: Utm
    fbclid: str | None = None
    gclid: str | None = None


@dataclass(frozen=True, slots=True)
class LineItem:
    line_item_id: str
    title: str
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class RefundLineItem:
    """Units of a line item given back in a refund: what they sold for after discounts
    (`subtotal`, tax inside when the shop's prices include it) and the tax on them."""

    line_item_id: str
    quantity: int
    subtotal: Decimal
    tax: Decimal


@dataclass(frozen=True, slots=True)
class Refund:
    """Money given back on an order, as Shopify's Refund breaks it down: the line items and the
    shipping it returns (`shipping` includes its tax when the shop's prices do). `amount` is
    their sum, with their tax on top when prices do not include it."""

    refund_id: str
    created_at: datetime
    amount: Decimal
    line_items: tuple[RefundLineItem, ...]
    shipping: Decimal
    shipping_tax: Decimal


@dataclass(frozen=True, slots=True)
class PixelEvent:
    event_id: str
    name: PixelEventName
    client_id: str
    session_id: str
    occurred_at: datetime
    url: str
    order_id: str | None = None  # checkout_completed only


@dataclass(frozen=True)
class ShopOrder:
    """An order as the shop shows it at `world.now()`.

    Money follows Shopify: `subtotal` is the line items after discounts; `total` adds shipping
    and, unless the shop's prices include tax, the tax. `tax` is all of it, `shipping_tax` the
    part on shipping (what the shipping line's tax lines add up to). When prices include tax,
    `subtotal` and `shipping` have their tax inside. `refunds` are those made so far.
    """

    order_id: str  # gid://shopify/Order/<number>
    name: str
    shop_domain: str
    created_at: datetime
    updated_at: datetime
    processed_at: datetime
    cancelled_at: datetime | None
    fulfilled_at: datetime | None
    test: bool
    currency: str
    taxes_included: bool
    line_items: tuple[LineItem, ...]
    subtotal: Decimal
    total_discounts: Decimal
    shipping: Decimal
    tax: Decimal
    shipping_tax: Decimal
    total: Decimal
    refunds: tuple[Refund, ...]
    customer_id: str | None  # None for staff test orders
    customer_order_index: int | None  # this order's position in the customer's history
    customer_orders_count: int | None  # the customer's orders so far (Shopify's numberOfOrders)
    first_visit: Session
    last_visit: Session
    journey_ready: bool

    @property
    def total_refunded(self) -> Decimal:
        return sum((refund.amount for refund in self.refunds), Decimal("0.00"))

    @property
    def counts_as_revenue(self) -> bool:
        return not self.test and self.cancelled_at is None

    @property
    def days_to_conversion(self) -> int:
        return (self.created_at - self.first_visit.started_at).days

    @property
    def financial_status(self) -> str:
        if self.cancelled_at is not None:
            return "VOIDED"
        if not self.refunds:
            return "PAID"
        return "REFUNDED" if self.total_refunded >= self.total else "PARTIALLY_REFUNDED"

    @property
    def fulfillment_status(self) -> str:
        return "FULFILLED" if self.fulfilled_at is not None else "UNFULFILLED"


def order_number(order: ShopOrder) -> int:
    """The number in an order's global id: with `updated_at`, the order Shopify sorts by."""
    return int(order.order_id.rsplit("/", 1)[1])
