"""A shop's sales as Shopify's Sales reports book them, from the orders and refunds it shows.

Shopify's reports track the value of goods moving between the shop and its customers, each
movement on the day it happened ("Sales reports", Shopify Help Center):

- an order is a sale on the day it was processed: gross sales (its line items at their prices),
  discounts, shipping and taxes;
- a refund is a return on the day it was made: the goods it gives back at what they sold for
  after discounts (returns), and the shipping and taxes it refunds, as negative shipping and
  taxes, never as returns;
- a cancellation is a return, on the day of cancelling, of everything the order still had, so the
  order nets to zero overall;
- test orders are in no report.

net sales = gross sales − discounts − returns; total sales = net sales + shipping + taxes.

When the shop's prices include tax, every figure but taxes is reported without it. The order tells
the tax on the goods (its tax less the shipping line's) after the discount only, so gross sales
are the tax-inclusive gross scaled by the goods' net-of-tax share of their tax-inclusive price,
rounded half up to the cent, and discounts what separates them from net sales: exact for the net
figures, within a cent of Shopify's own split of gross and discounts (which takes the tax out
before the discount).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from simulator.money import cents
from simulator.shopify.records import Refund, ShopOrder

_ZERO = Decimal("0.00")


class SalesEventKind(StrEnum):
    SALE = "sale"
    RETURN = "return"
    CANCELLATION = "cancellation"


@dataclass(frozen=True, slots=True)
class SalesFigures:
    """One event's or one day's sales. `discounts` and `returns` are amounts taken off (positive);
    shipping and taxes are negative when refunded."""

    gross_sales: Decimal = _ZERO
    discounts: Decimal = _ZERO
    returns: Decimal = _ZERO
    shipping: Decimal = _ZERO
    taxes: Decimal = _ZERO

    @property
    def net_sales(self) -> Decimal:
        return self.gross_sales - self.discounts - self.returns

    @property
    def total_sales(self) -> Decimal:
        return self.net_sales + self.shipping + self.taxes

    def __add__(self, other: SalesFigures) -> SalesFigures:
        return SalesFigures(
            self.gross_sales + other.gross_sales,
            self.discounts + other.discounts,
            self.returns + other.returns,
            self.shipping + other.shipping,
            self.taxes + other.taxes,
        )


@dataclass(frozen=True, slots=True)
class SalesEvent:
    kind: SalesEventKind
    at: datetime
    figures: SalesFigures
    refund_id: str | None = None  # a return's refund


def sales_events(order: ShopOrder) -> list[SalesEvent]:
    """The order's sale, its returns and its cancellation, as its shop's Sales report books them;
    none for a test order."""
    if order.test:
        return []
    events = [SalesEvent(SalesEventKind.SALE, order.processed_at, _sale(order))]
    events.extend(
        SalesEvent(
            SalesEventKind.RETURN,
            refund.created_at,
            _return(refund, order.taxes_included),
            refund.refund_id,
        )
        for refund in order.refunds
    )
    if order.cancelled_at is not None:
        left = sum((event.figures for event in events), SalesFigures())
        cancellation = SalesFigures(
            returns=left.net_sales, shipping=-left.shipping, taxes=-left.taxes
        )
        events.append(SalesEvent(SalesEventKind.CANCELLATION, order.cancelled_at, cancellation))
    return events


def _sale(order: ShopOrder) -> SalesFigures:
    gross = order.subtotal + order.total_discounts
    if not order.taxes_included:
        return SalesFigures(gross, order.total_discounts, _ZERO, order.shipping, order.tax)
    net = order.subtotal - (order.tax - order.shipping_tax)
    if order.subtotal:
        gross = cents(_divided_half_up(_cents(gross) * _cents(net), _cents(order.subtotal)))
    return SalesFigures(gross, gross - net, _ZERO, order.shipping - order.shipping_tax, order.tax)


def _return(refund: Refund, taxes_included: bool) -> SalesFigures:
    goods = sum((item.subtotal for item in refund.line_items), _ZERO)
    goods_tax = sum((item.tax for item in refund.line_items), _ZERO)
    shipping = refund.shipping
    if taxes_included:
        goods -= goods_tax
        shipping -= refund.shipping_tax
    return SalesFigures(returns=goods, shipping=-shipping, taxes=-(goods_tax + refund.shipping_tax))


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def _divided_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)
