"""The shop side of the simulated world: every merchant's Shopify store, with its visitors'
sessions, customers, orders, refunds and the pixel events a storefront would send.

Nothing is stored. The shop has one final timeline, every event that will ever happen, built
from pure functions of (seed, merchant, UTC hour); `world.now()` is applied on top by hiding
what has not happened yet. So any date range, years back, can be asked for, and an order never
appears back-dated: what a caller saw at one moment is still there, unchanged, later on.

The story, per merchant and UTC hour:

- Sessions come in strata. Every Meta link click of an ad in the hour is one session carrying
  `fbclid` and the ad's UTM parameters; every Google Ads click of an ad group one carrying
  `gclid` and `utm_source=google&utm_medium=cpc`. The shop's own traffic (organic search, direct,
  referral, email) scales with `World.orders_per_day`: 30 sessions a day per order a day.
- New customers arrive through sessions. A Meta ad's click sessions convert exactly as often as
  `World.ad_driven_orders` says the ad really drove, each order's subtotal that hour's order
  value; a Google ad group's as often as its conversions, rounded at random to whole orders;
  the shop's own traffic converts so that its customers (their repeat orders included) place
  about `orders_per_day` orders a day. Paid orders come on top of that demand.
- A visitor buys in the session they arrived in, or comes back up to a week later (direct,
  email or search) and buys then. Each customer may come back for up to three more orders,
  7-30 days apart; `customer_order_index` counts them from 1.
- After the order: fulfilment within two days, the odd cancellation within hours, refunds
  (full or partial, sometimes a second one) 3-35 days later; each moves `updated_at`. About 1%
  of orders are test orders placed by staff. `sales_by_day` is the shop's Sales report of it.

Knobs change that story from a moment on, as a merchant would in the Shopify admin: switch the
shop's currency, move an order to another customer, delete an order, erase a customer's
personal data (GDPR redaction).
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from simulator.google_ads.world import GoogleAdsWorld
from simulator.hours import HOUR
from simulator.merchants import Merchant
from simulator.shopify.customers import CHECKOUT_IN_SESSION_S, CUSTOMER_SPAN, Arrivals
from simulator.shopify.orders import (
    ORDER_UPDATE_HORIZON,
    OrderBook,
    OrderPlan,
    as_seen,
    plan_customer_id,
    plan_order_id,
)
from simulator.shopify.pixel_events import session_events
from simulator.shopify.records import PixelEvent, Session, ShopOrder, order_number
from simulator.shopify.sales import SalesFigures, sales_events

if TYPE_CHECKING:
    from simulator.world import World

_DAY = timedelta(days=1)


class ShopWorld:
    """The shops of one `World`. Get it with `ShopWorld.of(world)`, so the simulator's routes and
    the tests see the same shops (and the same currency changes)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._by_shop = {m.shop_domain: m for m in world.merchants}
        self._lock = threading.Lock()
        self._currency_changes: dict[str, tuple[datetime, str]] = {}
        # By order id: its shop and when it was deleted; when it moved and to which customer.
        self._deletions: dict[str, tuple[str, datetime]] = {}
        self._customer_changes: dict[str, tuple[datetime, str]] = {}
        # By customer id: when their personal data was erased.
        self._redactions: dict[str, datetime] = {}
        self._arrivals = Arrivals(world, GoogleAdsWorld.of(world))
        self._orders = OrderBook(world, self._arrivals)

    @classmethod
    def of(cls, world: World) -> ShopWorld:
        """The shops of `world`, made on first use and kept by the world."""
        return world.platform(cls)

    # -- lookups and knobs -------------------------------------------------------------------

    def merchant_by_shop(self, shop_domain: str) -> Merchant | None:
        return self._by_shop.get(shop_domain)

    def change_currency(self, shop_domain: str, since: datetime, currency: str) -> None:
        """Orders created from `since` on are in `currency` (the shop switched currencies)."""
        self._require(shop_domain)
        with self._lock:
            self._currency_changes[shop_domain] = (since.astimezone(UTC), currency)

    def clear_currency_changes(self) -> None:
        with self._lock:
            self._currency_changes.clear()

    def change_customer(self, order_id: str, at: datetime, customer_id: str) -> None:
        """From `at` on, the order belongs to `customer_id`, another customer of the shop (the
        merchant changed the order's customer); the change moves its `updated_at`, and its
        position in a customer's history is no longer known (Shopify's journey summary leaves it
        out)."""
        with self._lock:
            self._customer_changes[order_id] = (at.astimezone(UTC), customer_id)

    def delete_order(self, shop_domain: str, order_id: str, at: datetime) -> None:
        """From `at` on, the order is gone: the Admin API no longer returns it, and Shopify
        reports the deletion to apps through its `orders/delete` webhook only."""
        self._require(shop_domain)
        with self._lock:
            self._deletions[order_id] = (shop_domain, at.astimezone(UTC))

    def redact_customer(self, customer_id: str, at: datetime) -> None:
        """From `at` on, the customer's personal data is erased (a GDPR `customers/redact`
        request): their orders stay, without a customer, and the erasure moves their
        `updated_at`."""
        with self._lock:
            self._redactions[customer_id] = at.astimezone(UTC)

    def deleted_orders(
        self, shop_domain: str, start: datetime, end: datetime
    ) -> list[tuple[str, datetime]]:
        """(order id, deleted at) of the shop's orders deleted in [start, end) by `world.now()`,
        by time: what Shopify's `orders/delete` webhooks delivered for the range."""
        now = self.world.now()
        with self._lock:
            deletions = list(self._deletions.items())
        return sorted(
            (
                (order_id, at)
                for order_id, (shop, at) in deletions
                if shop == shop_domain and start <= at < end and at <= now
            ),
            key=lambda deletion: (deletion[1], deletion[0]),
        )

    def clear_order_changes(self) -> None:
        """Forget every customer change, deletion and redaction."""
        with self._lock:
            self._customer_changes.clear()
            self._deletions.clear()
            self._redactions.clear()

    # -- orders ------------------------------------------------------------------------------

    def orders(
        self, shop_domain: str, start: datetime, end: datetime, *, as_of: datetime | None = None
    ) -> list[ShopOrder]:
        """Orders created in [start, end), as they stand at `as_of` (default `world.now()`),
        oldest first."""
        now = self._now(as_of)
        merchant = self._require(shop_domain)
        plans = self._plans_created(merchant, start, min(end, now + timedelta(seconds=1)))
        return [
            self._shown(plan, merchant, now)
            for plan in plans
            if plan.created_at <= now and not self._deleted(plan, now)
        ]

    def orders_updated(
        self, shop_domain: str, start: datetime, end: datetime, *, as_of: datetime | None = None
    ) -> list[ShopOrder]:
        """Orders whose latest change by `as_of` (default `world.now()`) falls in [start, end),
        by (updated_at, id)."""
        now = self._now(as_of)
        merchant = self._require(shop_domain)
        created_until = min(end, now + timedelta(seconds=1))
        plans = self._plans_created(merchant, start - ORDER_UPDATE_HORIZON, created_until)
        # An order's updated_at is one of its changes: orders with none in range cannot match.
        candidates = [
            plan
            for plan in plans
            if plan.created_at <= now
            and not self._deleted(plan, now)
            and any(start <= moment < end for moment in self._changes(plan))
        ]
        updated = [
            order
            for order in (self._shown(plan, merchant, now) for plan in candidates)
            if start <= order.updated_at < end
        ]
        return sorted(updated, key=lambda order: (order.updated_at, order_number(order)))

    def order(
        self, shop_domain: str, order_id: str, *, as_of: datetime | None = None
    ) -> ShopOrder | None:
        """The order with global id `order_id` as it stands at `as_of` (default `world.now()`);
        None when the shop has no such order, or not yet."""
        now = self._now(as_of)
        merchant = self._require(shop_domain)
        prefix, _, number = order_id.rpartition("/")
        if prefix != "gid://shopify/Order" or not number.isdigit():
            return None
        plan = self._orders.find(int(number))
        if plan is None or plan.merchant_no != self._arrivals.merchant_no(merchant):
            return None
        return self._shown(plan, merchant, now) if plan.created_at <= now else None

    def sales_by_day(
        self, shop_domain: str, first: date, last: date, *, as_of: datetime | None = None
    ) -> dict[date, SalesFigures]:
        """The shop's Sales report per shop-local day, `first` to `last` inclusive, as of `as_of`
        (default `world.now()`): each order's sale, returns and cancellation on the day each
        happened (see `simulator.shopify.sales`)."""
        merchant = self._require(shop_domain)
        start = datetime.combine(first, time(0), tzinfo=merchant.tz)
        end = datetime.combine(last + _DAY, time(0), tzinfo=merchant.tz)
        report = {first + timedelta(days=n): SalesFigures() for n in range((last - first).days + 1)}
        # A return or cancellation of the range can belong to an order placed before it.
        for order in self.orders(shop_domain, start - ORDER_UPDATE_HORIZON, end, as_of=as_of):
            for event in sales_events(order):
                if start <= event.at < end:
                    day = event.at.astimezone(merchant.tz).date()
                    report[day] += event.figures
        return report

    # -- sessions and pixel events -----------------------------------------------------------

    def sessions(
        self, shop_domain: str, start: datetime, end: datetime, *, as_of: datetime | None = None
    ) -> list[Session]:
        """Sessions started in [start, end) by `as_of` (default `world.now()`), in start order."""
        now = self._now(as_of)
        return [session for session, _ in self._sessions_with_orders(shop_domain, start, end, now)]

    def pixel_events(
        self, shop_domain: str, start: datetime, end: datetime, *, as_of: datetime | None = None
    ) -> list[PixelEvent]:
        """What the storefront's web pixel sent for the sessions started in [start, end), up to
        `as_of` (default `world.now()`): a page view on landing, product views, and
        checkout_completed when the session ended in an order."""
        now = self._now(as_of)
        merchant = self._require(shop_domain)
        events: list[PixelEvent] = []
        for session, plan in self._sessions_with_orders(shop_domain, start, end, now):
            events.extend(
                event
                for event in session_events(self.world.seed, merchant, session, plan)
                if event.occurred_at <= now
            )
        return events

    # -- the final timeline ------------------------------------------------------------------

    def _now(self, as_of: datetime | None) -> datetime:
        return self.world.now() if as_of is None else as_of.astimezone(UTC)

    def _require(self, shop_domain: str) -> Merchant:
        merchant = self.merchant_by_shop(shop_domain)
        if merchant is None:
            raise KeyError(f"no merchant with shop {shop_domain}")
        return merchant

    def _plans_created(self, merchant: Merchant, start: datetime, end: datetime) -> list[OrderPlan]:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        merchant_no = self._arrivals.merchant_no(merchant)
        plans = []
        day = (start - CUSTOMER_SPAN).date()
        while day <= end.date():
            for root in self._arrivals.roots_on_day(merchant_no, day):
                for position, (_, created_at) in enumerate(root.orders):
                    if start <= created_at < end:
                        plans.append(self._orders.plan(root, position))
            day += _DAY
        return sorted(plans, key=lambda plan: (plan.created_at, plan.number))

    def _shown(self, plan: OrderPlan, merchant: Merchant, now: datetime) -> ShopOrder:
        order = as_seen(plan, merchant, now, self._currency(merchant, plan.created_at))
        with self._lock:
            customer_change = self._customer_changes.get(order.order_id)
            redacted = self._redactions.get(order.customer_id or "")
            if customer_change is not None and customer_change[0] <= now:
                redacted = self._redactions.get(customer_change[1])
        if customer_change is not None and customer_change[0] <= now:
            changed_at, customer_id = customer_change
            order = dataclasses.replace(
                order,
                customer_id=customer_id,
                customer_order_index=None,
                customer_orders_count=self._orders_placed(customer_id, now),
                updated_at=max(order.updated_at, changed_at),
            )
        if redacted is not None and redacted <= now:
            order = dataclasses.replace(
                order,
                customer_id=None,
                customer_order_index=None,
                customer_orders_count=None,
                updated_at=max(order.updated_at, redacted),
            )
        return order

    def _orders_placed(self, customer_id: str, now: datetime) -> int:
        """The customer's orders by `now` (Shopify's numberOfOrders): their own and those moved
        to them."""
        own = sum(created <= now for _, created in self._arrivals.root_of(customer_id).orders)
        with self._lock:
            moved_in = sum(
                at <= now and to == customer_id for at, to in self._customer_changes.values()
            )
        return own + moved_in

    def _deleted(self, plan: OrderPlan, now: datetime) -> bool:
        with self._lock:
            deletion = self._deletions.get(plan_order_id(plan))
        return deletion is not None and deletion[1] <= now

    def _changes(self, plan: OrderPlan) -> tuple[datetime, ...]:
        """Every moment the order changes, the knobs' changes included."""
        order_id = plan_order_id(plan)
        with self._lock:
            customer_change = self._customer_changes.get(order_id)
            customers = [plan_customer_id(plan)]
            if customer_change is not None:
                customers.append(customer_change[1])
            redactions = [self._redactions[c] for c in customers if c in self._redactions]
        extra = [customer_change[0]] if customer_change is not None else []
        return (*plan.changes, *extra, *redactions)

    def _currency(self, merchant: Merchant, created_at: datetime) -> str:
        with self._lock:
            change = self._currency_changes.get(merchant.shop_domain)
        if change is not None and created_at >= change[0]:
            return change[1]
        return merchant.currency

    def _sessions_with_orders(
        self, shop_domain: str, start: datetime, end: datetime, now: datetime
    ) -> list[tuple[Session, OrderPlan | None]]:
        """Sessions started in [start, end) by `now`, each with the order it ended in, if any."""
        merchant = self._require(shop_domain)
        merchant_no = self._arrivals.merchant_no(merchant)
        start, end = start.astimezone(UTC), min(end.astimezone(UTC), now + timedelta(seconds=1))
        found: list[tuple[Session, OrderPlan | None]] = []
        # Return visits are part of the order they end in, which comes at most this much later.
        horizon = end + timedelta(seconds=CHECKOUT_IN_SESSION_S[1])
        plans = self._plans_created(merchant, start, horizon)
        converted = {
            (plan.root.hour, plan.root.stratum.key, plan.root.session_index): plan
            for plan in plans
            if plan.position == 0 and not plan.placed_on_return_visit
        }
        hour = start.replace(minute=0, second=0, microsecond=0)
        while hour < end:
            for stratum in self._arrivals.strata(merchant_no, hour):
                for j in range(stratum.sessions):
                    if not start <= self._arrivals.session_start(merchant, hour, stratum, j) < end:
                        continue
                    session = self._arrivals.session(merchant, hour, stratum, j)
                    found.append((session, converted.get((hour, stratum.key, j))))
            hour += HOUR
        found.extend(
            (plan.last_visit, plan)
            for plan in plans
            if plan.placed_on_return_visit and start <= plan.last_visit.started_at < end
        )
        return sorted(found, key=lambda pair: (pair[0].started_at, pair[0].session_id))
