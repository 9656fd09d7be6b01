"""A shop's orders: each one's whole life on the final timeline (basket, tax, shipping,
fulfilment, cancellation, refunds), and the order as the shop shows it at a given moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from simulator.draws import BASIS, between
from simulator.merchants import Merchant
from simulator.money import cents
from simulator.shopify.customers import Arrivals, Root, customer_number
from simulator.shopify.records import (
    PRODUCTS,
    LineItem,
    Refund,
    RefundLineItem,
    Session,
    ShopOrder,
)
from simulator.shopify.sessions import return_session
from simulator.shopify.timeline import (
    DAY_S,
    HOUR_S,
    MINUTE_S,
    hour_of_ordinal,
    hour_ordinal,
    seconds,
    shop_draws,
)

if TYPE_CHECKING:
    from simulator.world import World

# An order's life after checkout: 2% are cancelled within hours, the rest fulfilled within two
# days; 10% of those are refunded, 40% of them in full, a quarter of the partial ones twice.
# A partial refund returns some of the order's line items (never part of a line, nor shipping);
# an order of one line can only be refunded in full. A second refund returns the rest and the
# shipping.
_CANCEL_BP = 200
_REFUND_BP = 1_000
_FULL_REFUND_BP = 4_000
_SECOND_REFUND_BP = 2_500
_FULFIL_S = (2 * HOUR_S, 48 * HOUR_S)
_CANCEL_S = (10 * MINUTE_S, 6 * HOUR_S)
_FIRST_REFUND_S = (3 * DAY_S, 25 * DAY_S)
_SECOND_REFUND_S = (DAY_S, 10 * DAY_S)
# The latest an order changes after it was created: its second refund.
ORDER_UPDATE_HORIZON = timedelta(seconds=_FIRST_REFUND_S[1] + _SECOND_REFUND_S[1])
# Shopify builds an order's customer journey asynchronously; until then `ready` is false.
JOURNEY_DELAY = timedelta(minutes=10)
_US_SALES_TAX_RATES = (0, 625, 725, 888)  # in hundredths of a percent
_FIRST_ORDER_NUMBER = 5 * 10**12
_EU_VAT_PERCENT = 19


@dataclass(frozen=True, slots=True)
class OrderPlan:
    """An order's whole life on the final timeline, before `now` hides its future."""

    number: int
    merchant_no: int
    root: Root
    position: int  # 0 for the customer's first order
    created_at: datetime
    line_items: tuple[LineItem, ...]
    subtotal_cents: int
    discount_cents: int
    shipping_cents: int
    tax_cents: int
    total_cents: int
    shipping_tax_cents: int  # the part of the tax on shipping
    taxes_included: bool
    cancelled_at: datetime | None
    fulfilled_at: datetime | None
    refunds: tuple[Refund, ...]
    first_visit: Session
    last_visit: Session

    @property
    def changes(self) -> tuple[datetime, ...]:
        """Every moment the order changes; its `updated_at` at any time is the latest one past."""
        moments = [self.created_at, self.cancelled_at, self.fulfilled_at]
        moments.extend(refund.created_at for refund in self.refunds)
        return tuple(moment for moment in moments if moment is not None)

    @property
    def placed_on_return_visit(self) -> bool:
        return self.root.orders[self.position][0] is not None


class OrderBook:
    """Every order's plan, computed on demand from the customer who places it and kept in a
    bounded cache."""

    def __init__(self, world: World, arrivals: Arrivals) -> None:
        self.world = world
        self._arrivals = arrivals
        self.plan = lru_cache(maxsize=65_536)(self._compute_plan)  # (root, position) → plan

    def _compute_plan(self, root: Root, position: int) -> OrderPlan:
        merchant = self.world.merchants[root.merchant_no - 1]
        number = _plan_number(root, position)
        visit_at, created_at = root.orders[position]
        arrival = self._arrivals.session(merchant, root.hour, root.stratum, root.session_index)
        last_visit = (
            arrival
            if visit_at is None
            else return_session(self.world.seed, merchant, number, visit_at, arrival.client_id)
        )
        first_visit = arrival if position == 0 else last_visit
        draws = shop_draws(self.world.seed, merchant.slug, str(number), "money")
        fixed_subtotal = (
            root.stratum.order_cents if root.stratum.driven_orders and position == 0 else None
        )
        line_items, subtotal, discount = _basket(number, draws, fixed_subtotal)
        taxes_included = merchant.currency != "USD"
        shipping = 0 if subtotal >= 7_500 else (595 if merchant.currency == "USD" else 495)
        if taxes_included:
            # VAT is inside the prices of the goods and of shipping alike.
            tax = _vat_inside(subtotal + shipping)
            shipping_tax = _vat_inside(shipping)
            total = subtotal + shipping
        else:
            # US sales tax on the goods; shipping untaxed.
            rate = _US_SALES_TAX_RATES[draws[5] % len(_US_SALES_TAX_RATES)]
            tax = (subtotal * rate + BASIS // 2) // BASIS
            shipping_tax = 0
            total = subtotal + shipping + tax
        # Shopify spreads an order's discount over its lines by their prices, and so its tax.
        line_prices = [int(item.unit_price * 100) * item.quantity for item in line_items]
        line_subtotals = [
            price - share
            for price, share in zip(line_prices, _shares(discount, line_prices), strict=True)
        ]
        line_taxes = _shares(tax - shipping_tax, line_subtotals)
        life = shop_draws(self.world.seed, merchant.slug, str(number), "life")
        cancelled_at = fulfilled_at = None
        refunds: list[Refund] = []
        if not root.test:
            if life[0] % BASIS < _CANCEL_BP:
                cancelled_at = created_at + seconds(life[1], _CANCEL_S)
            else:
                fulfilled_at = created_at + seconds(life[2], _FULFIL_S)
                if life[3] % BASIS < _REFUND_BP:
                    refunds = self._refunds(
                        merchant,
                        number,
                        created_at,
                        _Returnable(
                            tuple(item.line_item_id for item in line_items),
                            tuple(item.quantity for item in line_items),
                            tuple(line_subtotals),
                            tuple(line_taxes),
                            shipping,
                            shipping_tax,
                            taxes_included,
                        ),
                    )
        return OrderPlan(
            number=number,
            merchant_no=root.merchant_no,
            root=root,
            position=position,
            created_at=created_at,
            line_items=line_items,
            subtotal_cents=subtotal,
            discount_cents=discount,
            shipping_cents=shipping,
            tax_cents=tax,
            total_cents=total,
            shipping_tax_cents=shipping_tax,
            taxes_included=taxes_included,
            cancelled_at=cancelled_at,
            fulfilled_at=fulfilled_at,
            refunds=tuple(refunds),
            first_visit=first_visit,
            last_visit=last_visit,
        )

    def find(self, number: int) -> OrderPlan | None:
        """The plan of the order numbered `number` (see `_plan_number`), if there is one."""
        merchant_no, rest = divmod(number - _FIRST_ORDER_NUMBER, 10**11)
        hour, rest = divmod(rest, 10**5)
        slot, position = divmod(rest, 10)
        if not 1 <= merchant_no <= len(self.world.merchants) or hour < 0:
            return None
        arrived = hour_of_ordinal(hour)
        root = next(
            (
                root
                for root in self._arrivals.roots_on_day(merchant_no, arrived.date())
                if root.hour == arrived and root.slot == slot
            ),
            None,
        )
        if root is None or position >= len(root.orders):
            return None
        return self.plan(root, position)

    def _refunds(
        self, merchant: Merchant, number: int, created_at: datetime, order: _Returnable
    ) -> list[Refund]:
        draws = shop_draws(self.world.seed, merchant.slug, str(number), "refunds")
        first_at = created_at + seconds(draws[0], _FIRST_REFUND_S)
        lines = len(order.line_item_ids)
        if lines == 1 or draws[1] % BASIS < _FULL_REFUND_BP:
            return [order.refund(number * 10 + 1, first_at, range(lines), with_shipping=True)]
        returned = between(draws[2], 1, lines - 1)
        refunds = [order.refund(number * 10 + 1, first_at, range(returned), with_shipping=False)]
        if draws[3] % BASIS < _SECOND_REFUND_BP:
            second_at = first_at + seconds(draws[4], _SECOND_REFUND_S)
            refunds.append(
                order.refund(number * 10 + 2, second_at, range(returned, lines), with_shipping=True)
            )
        return refunds


@dataclass(frozen=True, slots=True)
class _Returnable:
    """What an order's refunds can give back: its line items (ids, units, price after discount,
    tax) and its shipping with the tax on it, in cents."""

    line_item_ids: tuple[str, ...]
    quantities: tuple[int, ...]
    line_subtotals: tuple[int, ...]
    line_taxes: tuple[int, ...]
    shipping: int
    shipping_tax: int
    taxes_included: bool

    def refund(self, refund_no: int, at: datetime, lines: range, *, with_shipping: bool) -> Refund:
        """A refund returning whole `lines` (and the shipping if `with_shipping`)."""
        items = tuple(
            RefundLineItem(
                line_item_id=self.line_item_ids[n],
                quantity=self.quantities[n],
                subtotal=cents(self.line_subtotals[n]),
                tax=cents(self.line_taxes[n]),
            )
            for n in lines
        )
        shipping = self.shipping if with_shipping else 0
        shipping_tax = self.shipping_tax if with_shipping else 0
        amount = sum(self.line_subtotals[n] for n in lines) + shipping
        if not self.taxes_included:
            amount += sum(self.line_taxes[n] for n in lines) + shipping_tax
        return Refund(
            refund_id=f"gid://shopify/Refund/{refund_no}",
            created_at=at,
            amount=cents(amount),
            line_items=items,
            shipping=cents(shipping),
            shipping_tax=cents(shipping_tax),
        )


def plan_order_id(plan: OrderPlan) -> str:
    return f"gid://shopify/Order/{plan.number}"


def plan_customer_id(plan: OrderPlan) -> str | None:
    """The customer who placed the order; None for a staff test order."""
    return None if plan.root.test else f"gid://shopify/Customer/{customer_number(plan.root)}"


def as_seen(plan: OrderPlan, merchant: Merchant, now: datetime, currency: str) -> ShopOrder:
    """The order as the shop shows it at `now`, in the `currency` it was placed in."""
    refunds = tuple(refund for refund in plan.refunds if refund.created_at <= now)
    cancelled_at = plan.cancelled_at if plan.cancelled_at and plan.cancelled_at <= now else None
    fulfilled_at = plan.fulfilled_at if plan.fulfilled_at and plan.fulfilled_at <= now else None
    changes = [plan.created_at, *(refund.created_at for refund in refunds)]
    changes.extend(moment for moment in (cancelled_at, fulfilled_at) if moment is not None)
    root = plan.root
    customer_orders = None if root.test else sum(created <= now for _, created in root.orders)
    return ShopOrder(
        order_id=plan_order_id(plan),
        name=f"#{plan.number % 10**11}",
        shop_domain=merchant.shop_domain,
        created_at=plan.created_at,
        updated_at=max(changes),
        processed_at=plan.created_at,
        cancelled_at=cancelled_at,
        fulfilled_at=fulfilled_at,
        test=root.test,
        currency=currency,
        taxes_included=plan.taxes_included,
        line_items=plan.line_items,
        subtotal=cents(plan.subtotal_cents),
        total_discounts=cents(plan.discount_cents),
        shipping=cents(plan.shipping_cents),
        tax=cents(plan.tax_cents),
        shipping_tax=cents(plan.shipping_tax_cents),
        total=cents(plan.total_cents),
        refunds=refunds,
        customer_id=plan_customer_id(plan),
        customer_order_index=None if root.test else plan.position + 1,
        customer_orders_count=customer_orders,
        first_visit=plan.first_visit,
        last_visit=plan.last_visit,
        journey_ready=now - plan.created_at >= JOURNEY_DELAY,
    )


def _basket(
    number: int, draws: tuple[int, ...], fixed_subtotal: int | None
) -> tuple[tuple[LineItem, ...], int, int]:
    """Line items, subtotal and discount (cents) of an order; `fixed_subtotal` when an ad world
    already decided what the order is worth."""
    discount_percent = (10, 15, 20)[draws[1] % 3] if draws[0] % BASIS < 2_500 else 0
    if fixed_subtotal is None:
        line_total = between(draws[2], 2_500, 16_000)
        discount = line_total * discount_percent // 100
    else:
        line_total = fixed_subtotal * 100 // (100 - discount_percent)
        discount = line_total - fixed_subtotal
    lines = 1 + sum(draws[3] % 100 >= cut for cut in (55, 85, 97))
    lines = max(1, min(lines, line_total // 100))
    shares = shop_draws(0, str(number), "lines")
    weights = [50 + shares[n] % 51 for n in range(lines)]
    parts = [line_total * weight // sum(weights) for weight in weights[:-1]]
    parts.append(line_total - sum(parts))
    items = []
    for n, part in enumerate(parts):
        # Odd steps through the catalogue never repeat a product within an order.
        handle, title = PRODUCTS[(draws[4] + 3 * n) % len(PRODUCTS)]
        quantity = 2 if part % 2 == 0 and shares[n + 4] % 3 == 0 else 1
        items.append(
            LineItem(
                line_item_id=f"gid://shopify/LineItem/{number * 10 + n}",
                title=title,
                sku=handle.upper(),
                quantity=quantity,
                unit_price=cents(part // quantity),
            )
        )
    return tuple(items), line_total - discount, discount


def _vat_inside(gross_cents: int) -> int:
    """The VAT inside a gross price, rounded half up."""
    gross_share = 100 + _EU_VAT_PERCENT
    return (gross_cents * _EU_VAT_PERCENT * 2 + gross_share) // (2 * gross_share)


def _shares(amount: int, weights: list[int]) -> list[int]:
    """`amount` spread over `weights` in proportion, rounded down; the last takes the rest so the
    shares add up to it exactly."""
    total = sum(weights)
    shares = [amount * weight // total if total else 0 for weight in weights[:-1]]
    return [*shares, amount - sum(shares)]


def _plan_number(root: Root, position: int) -> int:
    # Unique by construction: merchant, hour, the customer's slot in it, and which order.
    if root.slot >= 10**4:
        raise ValueError("more than 10,000 new customers in one hour: lower orders_per_day")
    return (
        _FIRST_ORDER_NUMBER
        + root.merchant_no * 10**11
        + hour_ordinal(root.hour) * 10**5
        + root.slot * 10
        + position
    )
