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
  of orders are test orders placed by staff.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from simulator.draws import BASIS, between, round_at_random, seeded_draws
from simulator.google_ads.world import GoogleAdsWorld
from simulator.hours import HOUR
from simulator.merchants import Merchant
from simulator.meta_ads.world import AdOrders
from simulator.money import cents

if TYPE_CHECKING:
    from simulator.world import World

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # ids are built from hours since this instant
# Sessions are placed by every ad-hour's final clicks and orders, read as of this instant, so a
# session's place in its hour never moves while the hour is still running.
_END_OF_TIME = datetime(9999, 1, 1, tzinfo=UTC)
_NO_ORDERS = AdOrders(0, Decimal("0.00"))
_DAY = timedelta(days=1)

# Relative weight of each shop-local hour for the shop's own traffic: evenings sell most.
_SHOP_HOURLY_WEIGHT = (3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 7, 8, 9, 10, 10, 9, 7, 5)
_SHOP_WEIGHT_TOTAL = sum(_SHOP_HOURLY_WEIGHT)
_OWN_SESSIONS_PER_ORDER = 30

# Conversion and loyalty. With a 35% chance of each further order and at most four orders per
# customer, a customer places 1.5345 orders on average, so 65.17% of orders are first orders.
_REPEAT_BP = 3_500
MAX_ORDERS_PER_CUSTOMER = 4
_FIRST_ORDER_SHARE_BP = 6_517
_SAME_SESSION_BP = 5_500
_TEST_ORDER_BP = 100
_CANCEL_BP = 200
_REFUND_BP = 1_000
_FULL_REFUND_BP = 4_000
_SECOND_REFUND_BP = 2_500

_MINUTE = 60
_HOUR_S = 3_600
_DAY_S = 86_400
_CHECKOUT_IN_SESSION_S = (2 * _MINUTE, 40 * _MINUTE)
_CHECKOUT_ON_RETURN_S = (2 * _MINUTE, 30 * _MINUTE)
_RETURN_VISIT_S = (_HOUR_S, 7 * _DAY_S)
_REPEAT_GAP_S = (7 * _DAY_S, 30 * _DAY_S)
_FULFIL_S = (2 * _HOUR_S, 48 * _HOUR_S)
_CANCEL_S = (10 * _MINUTE, 6 * _HOUR_S)
_FIRST_REFUND_S = (3 * _DAY_S, 25 * _DAY_S)
_SECOND_REFUND_S = (_DAY_S, 10 * _DAY_S)

# How far apart the events of one story can be: the scans below look back this far.
_FIRST_ORDER_MAX_DELAY = timedelta(seconds=_HOUR_S + _RETURN_VISIT_S[1] + _CHECKOUT_ON_RETURN_S[1])
_CUSTOMER_SPAN = _FIRST_ORDER_MAX_DELAY + (MAX_ORDERS_PER_CUSTOMER - 1) * timedelta(
    seconds=_REPEAT_GAP_S[1] + _CHECKOUT_ON_RETURN_S[1]
)
# The latest an order changes after it was created: its second refund.
ORDER_UPDATE_HORIZON = timedelta(seconds=_FIRST_REFUND_S[1] + _SECOND_REFUND_S[1])
# Shopify builds an order's customer journey asynchronously; until then `ready` is false.
JOURNEY_DELAY = timedelta(minutes=10)

_PRODUCTS = (
    ("everyday-tee", "Everyday Tee"),
    ("merino-beanie", "Merino Beanie"),
    ("canvas-tote", "Canvas Tote"),
    ("trail-socks-3-pack", "Trail Socks 3-Pack"),
    ("rain-shell", "Rain Shell"),
    ("enamel-camp-mug", "Enamel Camp Mug"),
    ("linen-shirt", "Linen Shirt"),
    ("wool-blanket", "Wool Blanket"),
)
_HANDLES = {title: handle for handle, title in _PRODUCTS}
_US_SALES_TAX_RATES = (0, 625, 725, 888)  # in hundredths of a percent
_EU_VAT_PERCENT = 19
_SEARCH_REFERRERS = ("https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/")
_META_REFERRERS = ("https://m.facebook.com/", "https://l.instagram.com/")
_REFERRAL_SITES = (
    "https://www.reddit.com/r/BuyItForLife/",
    "https://www.pinterest.com/",
    "https://gearjunkie.example.org/best-of-2026/",
)
_EMAIL_CAMPAIGNS = ("weekly-newsletter", "abandoned-cart", "winback-60d", "new-arrivals")


class Channel(StrEnum):
    META = "meta"
    GOOGLE = "google"
    ORGANIC_SEARCH = "organic_search"
    DIRECT = "direct"
    REFERRAL = "referral"
    EMAIL = "email"


_OWN_CHANNEL_SHARES_BP = (
    (Channel.ORGANIC_SEARCH, 4_500),
    (Channel.DIRECT, 2_500),
    (Channel.REFERRAL, 1_000),
    (Channel.EMAIL, 2_000),
)
_RETURN_CHANNELS_BP = (
    (Channel.DIRECT, 4_000),
    (Channel.EMAIL, 3_500),
    (Channel.ORGANIC_SEARCH, 2_500),
)


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
class Refund:
    refund_id: str
    created_at: datetime
    amount: Decimal


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
    and, unless the shop's prices include tax, the tax. `refunds` are those made so far.
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
    def net_revenue(self) -> Decimal:
        """What the order is worth to the shop: its total less what was refunded so far."""
        return self.total - self.total_refunded

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


@dataclass(frozen=True, slots=True)
class _Stratum:
    """Sessions of one source in one hour; paid strata also know how many of them convert."""

    key: str
    channel: Channel
    sessions: int
    driven_orders: int | None = None  # None: the shop's own traffic, converting at its own rate
    order_cents: int = 0  # the subtotal of each driven order
    campaign_id: str | None = None
    content_id: str | None = None
    term: str | None = None


@dataclass(frozen=True, slots=True)
class _Root:
    """A new customer's arrival: the session they came through and when they bought after."""

    merchant_no: int
    hour: datetime
    slot: int  # the customer's position among the hour's new customers
    stratum: _Stratum
    session_index: int
    test: bool
    # Per order: (start of the return visit it was placed in, or None for the arrival session;
    # the order's creation time).
    orders: tuple[tuple[datetime | None, datetime], ...]


@dataclass(frozen=True, slots=True)
class _OrderPlan:
    """An order's whole life on the final timeline, before `now` hides its future."""

    number: int
    merchant_no: int
    root: _Root
    position: int  # 0 for the customer's first order
    created_at: datetime
    line_items: tuple[LineItem, ...]
    subtotal_cents: int
    discount_cents: int
    shipping_cents: int
    tax_cents: int
    total_cents: int
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


def order_number(order: ShopOrder) -> int:
    """The number in an order's global id: with `updated_at`, the order Shopify sorts by."""
    return int(order.order_id.rsplit("/", 1)[1])


class ShopWorld:
    """The shops of one `World`. Get it with `ShopWorld.of(world)`, so the simulator's routes and
    the tests see the same shops (and the same currency changes)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._google = GoogleAdsWorld.of(world)
        self._by_shop = {m.shop_domain: m for m in world.merchants}
        self._merchant_no = {m.shop_domain: n for n, m in enumerate(world.merchants, start=1)}
        self._lock = threading.Lock()
        self._currency_changes: dict[str, tuple[datetime, str]] = {}
        self._strata = lru_cache(maxsize=16_384)(self._compute_strata)
        self._roots_on_day = lru_cache(maxsize=8_192)(self._compute_roots_on_day)
        self._plan = lru_cache(maxsize=65_536)(self._compute_plan)

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

    # -- orders ------------------------------------------------------------------------------

    def orders(
        self, shop_domain: str, start: datetime, end: datetime, *, as_of: datetime | None = None
    ) -> list[ShopOrder]:
        """Orders created in [start, end), as they stand at `as_of` (default `world.now()`),
        oldest first."""
        now = self._now(as_of)
        merchant = self._require(shop_domain)
        plans = self._plans_created(merchant, start, min(end, now + timedelta(seconds=1)))
        return [self._as_of(plan, merchant, now) for plan in plans if plan.created_at <= now]

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
            if plan.created_at <= now and any(start <= moment < end for moment in plan.changes)
        ]
        updated = [
            order
            for order in (self._as_of(plan, merchant, now) for plan in candidates)
            if start <= order.updated_at < end
        ]
        return sorted(updated, key=lambda order: (order.updated_at, order_number(order)))

    def net_revenue_by_day(
        self, shop_domain: str, first: date, last: date, *, as_of: datetime | None = None
    ) -> dict[date, Decimal]:
        """Net revenue per shop-local day of order creation, `first` to `last` inclusive, as of
        `as_of` (default `world.now()`).

        Net revenue is each order's total (tax and shipping included, as Shopify's
        `totalPriceSet`) less everything refunded on it so far, over the orders created that
        day, leaving out test orders and cancelled orders.
        """
        merchant = self._require(shop_domain)
        start = datetime.combine(first, time(0), tzinfo=merchant.tz)
        end = datetime.combine(last + _DAY, time(0), tzinfo=merchant.tz)
        revenue = {
            first + timedelta(days=n): Decimal("0.00") for n in range((last - first).days + 1)
        }
        for order in self.orders(shop_domain, start, end, as_of=as_of):
            if order.counts_as_revenue:
                revenue[order.created_at.astimezone(merchant.tz).date()] += order.net_revenue
        return revenue

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
                for event in self._session_events(merchant, session, plan)
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

    def _plans_created(
        self, merchant: Merchant, start: datetime, end: datetime
    ) -> list[_OrderPlan]:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        merchant_no = self._merchant_no[merchant.shop_domain]
        plans = []
        day = (start - _CUSTOMER_SPAN).date()
        while day <= end.date():
            for root in self._roots_on_day(merchant_no, day):
                for position, (_, created_at) in enumerate(root.orders):
                    if start <= created_at < end:
                        plans.append(self._plan(root, position))
            day += _DAY
        return sorted(plans, key=lambda plan: (plan.created_at, plan.number))

    def _compute_roots_on_day(self, merchant_no: int, day: date) -> tuple[_Root, ...]:
        merchant = self.world.merchants[merchant_no - 1]
        hour = datetime.combine(day, time(0), tzinfo=UTC)
        roots: list[_Root] = []
        for _ in range(24):
            roots.extend(self._hour_roots(merchant, merchant_no, hour))
            hour += HOUR
        return tuple(roots)

    def _hour_roots(self, merchant: Merchant, merchant_no: int, hour: datetime) -> list[_Root]:
        strata = self._strata(merchant_no, hour)
        hour_key = hour.isoformat()
        arrivals: list[tuple[_Stratum, int]] = []
        for stratum in strata:
            if stratum.driven_orders:
                picks = _distinct(
                    stratum.driven_orders,
                    stratum.sessions,
                    self.world.seed,
                    merchant.slug,
                    hour_key,
                    stratum.key,
                )
                arrivals.extend((stratum, j) for j in picks)
        own = [stratum for stratum in strata if stratum.driven_orders is None]
        own_sessions = sum(stratum.sessions for stratum in own)
        weight = _SHOP_HOURLY_WEIGHT[hour.astimezone(merchant.tz).hour]
        draw = _draws(self.world.seed, merchant.slug, hour_key, "new-customers")[0]
        new_customers = min(
            own_sessions,
            round_at_random(
                self.world.orders_per_day * _FIRST_ORDER_SHARE_BP * weight,
                _SHOP_WEIGHT_TOTAL * BASIS,
                draw,
            ),
        )
        for pick in _distinct(
            new_customers, own_sessions, self.world.seed, merchant.slug, hour_key, "own"
        ):
            for stratum in own:
                if pick < stratum.sessions:
                    arrivals.append((stratum, pick))
                    break
                pick -= stratum.sessions
        return [
            self._root(merchant, merchant_no, hour, slot, stratum, j)
            for slot, (stratum, j) in enumerate(arrivals)
        ]

    def _root(
        self,
        merchant: Merchant,
        merchant_no: int,
        hour: datetime,
        slot: int,
        stratum: _Stratum,
        j: int,
    ) -> _Root:
        draws = _draws(self.world.seed, merchant.slug, hour.isoformat(), str(slot), "root")
        test = stratum.driven_orders is None and draws[0] % BASIS < _TEST_ORDER_BP
        arrived = self._session_start(merchant, hour, stratum, j)
        orders: list[tuple[datetime | None, datetime]]
        if test or draws[1] % BASIS < _SAME_SESSION_BP:
            orders = [(None, arrived + _seconds(draws[2], _CHECKOUT_IN_SESSION_S))]
        else:
            returned = arrived + _seconds(draws[3], _RETURN_VISIT_S)
            orders = [(returned, returned + _seconds(draws[4], _CHECKOUT_ON_RETURN_S))]
        if not test:
            for position in range(1, MAX_ORDERS_PER_CUSTOMER):
                repeat = _draws(
                    self.world.seed,
                    merchant.slug,
                    hour.isoformat(),
                    str(slot),
                    f"repeat-{position}",
                )
                if repeat[0] % BASIS >= _REPEAT_BP:
                    break
                visit = orders[-1][1] + _seconds(repeat[1], _REPEAT_GAP_S)
                orders.append((visit, visit + _seconds(repeat[2], _CHECKOUT_ON_RETURN_S)))
        return _Root(merchant_no, hour, slot, stratum, j, test, tuple(orders))

    def _compute_strata(self, merchant_no: int, hour: datetime) -> tuple[_Stratum, ...]:
        merchant = self.world.merchants[merchant_no - 1]
        strata = [*self._meta_strata(merchant, hour), *self._google_strata(merchant, hour)]
        weight = _SHOP_HOURLY_WEIGHT[hour.astimezone(merchant.tz).hour]
        draws = _draws(self.world.seed, merchant.slug, hour.isoformat(), "own-sessions")
        for (channel, share_bp), draw in zip(_OWN_CHANNEL_SHARES_BP, draws, strict=False):
            sessions = round_at_random(
                self.world.orders_per_day * _OWN_SESSIONS_PER_ORDER * share_bp * weight,
                _SHOP_WEIGHT_TOTAL * BASIS,
                draw,
            )
            if sessions:
                strata.append(_Stratum(key=channel.value, channel=channel, sessions=sessions))
        return tuple(strata)

    def _meta_strata(self, merchant: Merchant, hour: datetime) -> list[_Stratum]:
        strata = []
        for ad in self.world.meta.ads(merchant.meta_account_id):
            delivery = self.world.meta.delivery(ad, hour, as_of=_END_OF_TIME)
            if not delivery.link_clicks:
                continue
            # Meta claims at least the orders an ad drove: no claim, no order to look up.
            driven = (
                self.world.meta.ad_driven_orders(ad, hour, as_of=_END_OF_TIME)
                if delivery.purchases
                else _NO_ORDERS
            )
            strata.append(
                _Stratum(
                    key=f"meta:{ad.ad_id}",
                    channel=Channel.META,
                    sessions=delivery.link_clicks,
                    driven_orders=min(driven.count, delivery.link_clicks),
                    order_cents=int(driven.value * 100) // driven.count if driven.count else 0,
                    campaign_id=ad.campaign_id,
                    content_id=ad.ad_id,
                    term=ad.adset_id,
                )
            )
        return strata

    def _google_strata(self, merchant: Merchant, hour: datetime) -> list[_Stratum]:
        strata = []
        for group in self._google.ad_groups(merchant.google_customer_id):
            metrics = self._google.metrics(group, hour, as_of=_END_OF_TIME)
            if not metrics.clicks:
                continue
            # Google's conversions are fractional (data-driven attribution); the shop records
            # whole orders, as many as the conversions on average.
            hundredths = int(metrics.conversions * 100)
            draw = _draws(self.world.seed, group.ad_group_id, hour.isoformat(), "orders")[0]
            orders = min(metrics.clicks, round_at_random(hundredths, 100, draw))
            value_cents = int(metrics.conversions_value * 100)
            strata.append(
                _Stratum(
                    key=f"google:{group.ad_group_id}",
                    channel=Channel.GOOGLE,
                    sessions=metrics.clicks,
                    driven_orders=orders,
                    order_cents=value_cents * 100 // hundredths if hundredths else 0,
                    campaign_id=group.campaign_id,
                    content_id=group.ad_group_id,
                )
            )
        return strata

    def _compute_plan(self, root: _Root, position: int) -> _OrderPlan:
        merchant = self.world.merchants[root.merchant_no - 1]
        number = _order_number(root, position)
        visit_at, created_at = root.orders[position]
        arrival = self._strata_session(merchant, root.hour, root.stratum, root.session_index)
        last_visit = (
            arrival
            if visit_at is None
            else self._return_session(merchant, number, visit_at, arrival.client_id)
        )
        first_visit = arrival if position == 0 else last_visit
        draws = _draws(self.world.seed, merchant.slug, str(number), "money")
        fixed_subtotal = (
            root.stratum.order_cents if root.stratum.driven_orders and position == 0 else None
        )
        line_items, subtotal, discount = _basket(number, draws, fixed_subtotal)
        taxes_included = merchant.currency != "USD"
        shipping = 0 if subtotal >= 7_500 else (595 if merchant.currency == "USD" else 495)
        if taxes_included:
            # The VAT inside a gross price, rounded half up.
            gross_share = 100 + _EU_VAT_PERCENT
            tax = ((subtotal + shipping) * _EU_VAT_PERCENT * 2 + gross_share) // (2 * gross_share)
            total = subtotal + shipping
        else:
            rate = _US_SALES_TAX_RATES[draws[5] % len(_US_SALES_TAX_RATES)]
            tax = (subtotal * rate + BASIS // 2) // BASIS
            total = subtotal + shipping + tax
        life = _draws(self.world.seed, merchant.slug, str(number), "life")
        cancelled_at = fulfilled_at = None
        refunds: list[Refund] = []
        if not root.test:
            if life[0] % BASIS < _CANCEL_BP:
                cancelled_at = created_at + _seconds(life[1], _CANCEL_S)
            else:
                fulfilled_at = created_at + _seconds(life[2], _FULFIL_S)
                if life[3] % BASIS < _REFUND_BP:
                    refunds = self._refunds(merchant, number, created_at, total)
        return _OrderPlan(
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
            taxes_included=taxes_included,
            cancelled_at=cancelled_at,
            fulfilled_at=fulfilled_at,
            refunds=tuple(refunds),
            first_visit=first_visit,
            last_visit=last_visit,
        )

    def _refunds(
        self, merchant: Merchant, number: int, created_at: datetime, total: int
    ) -> list[Refund]:
        draws = _draws(self.world.seed, merchant.slug, str(number), "refunds")
        first_at = created_at + _seconds(draws[0], _FIRST_REFUND_S)
        if draws[1] % BASIS < _FULL_REFUND_BP:
            return [Refund(f"gid://shopify/Refund/{number * 10 + 1}", first_at, cents(total))]
        amount = max(1, total * between(draws[2], 20, 60) // 100)
        refunds = [Refund(f"gid://shopify/Refund/{number * 10 + 1}", first_at, cents(amount))]
        if draws[3] % BASIS < _SECOND_REFUND_BP:
            refunds.append(
                Refund(
                    f"gid://shopify/Refund/{number * 10 + 2}",
                    first_at + _seconds(draws[4], _SECOND_REFUND_S),
                    cents(total - amount),
                )
            )
        return refunds

    def _as_of(self, plan: _OrderPlan, merchant: Merchant, now: datetime) -> ShopOrder:
        refunds = tuple(refund for refund in plan.refunds if refund.created_at <= now)
        cancelled_at = plan.cancelled_at if plan.cancelled_at and plan.cancelled_at <= now else None
        fulfilled_at = plan.fulfilled_at if plan.fulfilled_at and plan.fulfilled_at <= now else None
        changes = [plan.created_at, *(refund.created_at for refund in refunds)]
        changes.extend(moment for moment in (cancelled_at, fulfilled_at) if moment is not None)
        root = plan.root
        customer_id = None
        customer_orders = None
        if not root.test:
            customer_id = f"gid://shopify/Customer/{_customer_number(root)}"
            customer_orders = sum(created <= now for _, created in root.orders)
        return ShopOrder(
            order_id=f"gid://shopify/Order/{plan.number}",
            name=f"#{plan.number % 10**11}",
            shop_domain=merchant.shop_domain,
            created_at=plan.created_at,
            updated_at=max(changes),
            processed_at=plan.created_at,
            cancelled_at=cancelled_at,
            fulfilled_at=fulfilled_at,
            test=root.test,
            currency=self._currency(merchant, plan.created_at),
            taxes_included=plan.taxes_included,
            line_items=plan.line_items,
            subtotal=cents(plan.subtotal_cents),
            total_discounts=cents(plan.discount_cents),
            shipping=cents(plan.shipping_cents),
            tax=cents(plan.tax_cents),
            total=cents(plan.total_cents),
            refunds=refunds,
            customer_id=customer_id,
            customer_order_index=None if root.test else plan.position + 1,
            customer_orders_count=customer_orders,
            first_visit=plan.first_visit,
            last_visit=plan.last_visit,
            journey_ready=now - plan.created_at >= JOURNEY_DELAY,
        )

    def _currency(self, merchant: Merchant, created_at: datetime) -> str:
        with self._lock:
            change = self._currency_changes.get(merchant.shop_domain)
        if change is not None and created_at >= change[0]:
            return change[1]
        return merchant.currency

    # -- sessions ----------------------------------------------------------------------------

    def _sessions_with_orders(
        self, shop_domain: str, start: datetime, end: datetime, now: datetime
    ) -> list[tuple[Session, _OrderPlan | None]]:
        """Sessions started in [start, end) by `now`, each with the order it ended in, if any."""
        merchant = self._require(shop_domain)
        merchant_no = self._merchant_no[shop_domain]
        start, end = start.astimezone(UTC), min(end.astimezone(UTC), now + timedelta(seconds=1))
        found: list[tuple[Session, _OrderPlan | None]] = []
        # Return visits are part of the order they end in, which comes at most this much later.
        horizon = end + timedelta(seconds=_CHECKOUT_IN_SESSION_S[1])
        plans = self._plans_created(merchant, start, horizon)
        converted = {
            (plan.root.hour, plan.root.stratum.key, plan.root.session_index): plan
            for plan in plans
            if plan.position == 0 and not plan.placed_on_return_visit
        }
        hour = start.replace(minute=0, second=0, microsecond=0)
        while hour < end:
            for stratum in self._strata(merchant_no, hour):
                for j in range(stratum.sessions):
                    if not start <= self._session_start(merchant, hour, stratum, j) < end:
                        continue
                    session = self._strata_session(merchant, hour, stratum, j)
                    found.append((session, converted.get((hour, stratum.key, j))))
            hour += HOUR
        found.extend(
            (plan.last_visit, plan)
            for plan in plans
            if plan.placed_on_return_visit and start <= plan.last_visit.started_at < end
        )
        return sorted(found, key=lambda pair: (pair[0].started_at, pair[0].session_id))

    def _session_start(
        self, merchant: Merchant, hour: datetime, stratum: _Stratum, j: int
    ) -> datetime:
        # Spread evenly over the hour with a little jitter, in index order, so a session's start
        # depends only on its own draws and the stratum's size.
        jitter = _draws(self.world.seed, merchant.slug, hour.isoformat(), stratum.key, str(j))[0]
        return hour + timedelta(seconds=(j * _HOUR_S + jitter % _HOUR_S) // stratum.sessions)

    def _strata_session(
        self, merchant: Merchant, hour: datetime, stratum: _Stratum, j: int
    ) -> Session:
        key = f"{merchant.slug}|{hour.isoformat()}|{stratum.key}|{j}"
        draws = _draws(self.world.seed, key, "session")
        merchant_no = self._merchant_no[merchant.shop_domain]
        stratum_no = self._strata(merchant_no, hour).index(stratum)
        number = f"{merchant_no}{_hour_ordinal(hour):07d}{stratum_no:02d}{j:05d}"
        return _session(
            merchant,
            number=number,
            client_id=_client_id(self.world.seed, key),
            channel=stratum.channel,
            started_at=self._session_start(merchant, hour, stratum, j),
            draws=draws,
            stratum=stratum,
        )

    def _return_session(
        self, merchant: Merchant, order_number: int, started_at: datetime, client_id: str
    ) -> Session:
        draws = _draws(self.world.seed, merchant.slug, str(order_number), "return-visit")
        channel = _pick_weighted(_RETURN_CHANNELS_BP, draws[7])
        return _session(
            merchant,
            number=f"9{order_number}",
            client_id=client_id,
            channel=channel,
            started_at=started_at,
            draws=draws,
            stratum=_Stratum(key=channel.value, channel=channel, sessions=1),
        )

    def _session_events(
        self, merchant: Merchant, session: Session, plan: _OrderPlan | None
    ) -> list[PixelEvent]:
        draws = _draws(self.world.seed, session.session_id, "pixel")
        events = [
            PixelEvent(
                event_id=f"{session.session_id}-0",
                name=PixelEventName.PAGE_VIEWED,
                client_id=session.client_id,
                session_id=session.session_id,
                occurred_at=session.started_at,
                url=session.landing_page,
            )
        ]
        if plan is not None:
            viewed = [item.title for item in plan.line_items]
        else:
            viewed = [_PRODUCTS[draws[n] % len(_PRODUCTS)][1] for n in range(draws[0] % 4)]
        for n, title in enumerate(viewed, start=1):
            events.append(
                PixelEvent(
                    event_id=f"{session.session_id}-{n}",
                    name=PixelEventName.PRODUCT_VIEWED,
                    client_id=session.client_id,
                    session_id=session.session_id,
                    occurred_at=session.started_at + timedelta(seconds=20 * n + draws[n + 3] % 20),
                    url=f"https://{merchant.shop_domain}/products/{_HANDLES[title]}",
                )
            )
        if plan is not None:
            events.append(
                PixelEvent(
                    event_id=f"{session.session_id}-{len(events)}",
                    name=PixelEventName.CHECKOUT_COMPLETED,
                    client_id=session.client_id,
                    session_id=session.session_id,
                    occurred_at=plan.created_at,
                    url=f"https://{merchant.shop_domain}/checkouts/c/{plan.number}/thank-you",
                    order_id=f"gid://shopify/Order/{plan.number}",
                )
            )
        return events


def _session(
    merchant: Merchant,
    *,
    number: str,
    client_id: str,
    channel: Channel,
    started_at: datetime,
    draws: tuple[int, ...],
    stratum: _Stratum,
) -> Session:
    product_page = f"/products/{_PRODUCTS[draws[1] % len(_PRODUCTS)][0]}"
    utm = Utm()
    referrer: str | None = None
    fbclid = gclid = None
    if channel is Channel.META:
        # The URL parameters merchants set on Meta ads: {{campaign.id}}, {{ad.id}}, {{adset.id}}.
        utm = Utm("facebook", "paid", stratum.campaign_id, stratum.content_id, stratum.term)
        fbclid = f"IwAR{_token(draws[2:6])}"
        referrer = _META_REFERRERS[draws[6] % len(_META_REFERRERS)]
        path = product_page
    elif channel is Channel.GOOGLE:
        utm = Utm("google", "cpc", stratum.campaign_id, stratum.content_id, stratum.term)
        gclid = f"Cj0KCQ{_token(draws[2:6])}"
        referrer = "https://www.google.com/"
        path = product_page if draws[6] % 2 else "/collections/all"
    elif channel is Channel.ORGANIC_SEARCH:
        referrer = _SEARCH_REFERRERS[draws[2] % len(_SEARCH_REFERRERS)]
        path = ("/", product_page, "/collections/all")[draws[6] % 3]
    elif channel is Channel.REFERRAL:
        referrer = _REFERRAL_SITES[draws[2] % len(_REFERRAL_SITES)]
        path = product_page
    elif channel is Channel.EMAIL:
        campaign = _EMAIL_CAMPAIGNS[draws[2] % len(_EMAIL_CAMPAIGNS)]
        utm = Utm("klaviyo", "email", campaign)
        path = product_page if draws[6] % 2 else "/"
    else:
        path = "/" if draws[6] % 3 else product_page
    params = {
        f"utm_{name}": value
        for name, value in (
            ("source", utm.source),
            ("medium", utm.medium),
            ("campaign", utm.campaign),
            ("content", utm.content),
            ("term", utm.term),
        )
        if value is not None
    }
    if fbclid:
        params["fbclid"] = fbclid
    if gclid:
        params["gclid"] = gclid
    query = f"?{urlencode(params)}" if params else ""
    return Session(
        session_id=number,
        visit_id=f"gid://shopify/CustomerVisit/{number}",
        client_id=client_id,
        channel=channel,
        started_at=started_at,
        landing_page=f"https://{merchant.shop_domain}{path}{query}",
        referrer_url=referrer,
        utm=utm,
        fbclid=fbclid,
        gclid=gclid,
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
    shares = _draws(0, str(number), "lines")
    weights = [50 + shares[n] % 51 for n in range(lines)]
    parts = [line_total * weight // sum(weights) for weight in weights[:-1]]
    parts.append(line_total - sum(parts))
    items = []
    for n, part in enumerate(parts):
        # Odd steps through the catalogue never repeat a product within an order.
        handle, title = _PRODUCTS[(draws[4] + 3 * n) % len(_PRODUCTS)]
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


def _order_number(root: _Root, position: int) -> int:
    # Unique by construction: merchant, hour, the customer's slot in it, and which order.
    if root.slot >= 10**4:
        raise ValueError("more than 10,000 new customers in one hour: lower orders_per_day")
    return (
        5 * 10**12
        + root.merchant_no * 10**11
        + _hour_ordinal(root.hour) * 10**5
        + root.slot * 10
        + position
    )


def _customer_number(root: _Root) -> int:
    return (
        7 * 10**12 + root.merchant_no * 10**11 + _hour_ordinal(root.hour) * 10**5 + root.slot * 10
    )


def _hour_ordinal(hour: datetime) -> int:
    if hour < _EPOCH:
        raise ValueError(f"the shops opened in 2000; {hour.isoformat()} is before that")
    return (hour - _EPOCH) // HOUR


def _distinct(count: int, population: int, seed: int, *parts: str) -> list[int]:
    """`count` distinct indices below `population`, drawn in a fixed order."""
    picks: list[int] = []
    taken: set[int] = set()
    attempt = 0
    while len(picks) < count:
        for draw in _draws(seed, *parts, f"pick-{attempt}"):
            candidate = draw % population
            if candidate not in taken and len(picks) < count:
                taken.add(candidate)
                picks.append(candidate)
        attempt += 1
    return picks


def _pick_weighted(options: tuple[tuple[Channel, int], ...], draw: int) -> Channel:
    point = draw % sum(weight for _, weight in options)
    for option, weight in options:
        if point < weight:
            return option
        point -= weight
    raise AssertionError("unreachable: the point lies below the total weight")


def _seconds(draw: int, bounds: tuple[int, int]) -> timedelta:
    return timedelta(seconds=between(draw, *bounds))


def _draws(seed: int, *parts: str) -> tuple[int, ...]:
    return seeded_draws(seed, "shop", *parts)


def _token(draws: tuple[int, ...]) -> str:
    return base64.urlsafe_b64encode(struct.pack(f">{len(draws)}I", *draws)).decode().rstrip("=")


def _client_id(seed: int, key: str) -> str:
    digest = hashlib.blake2b(f"{seed}|client|{key}".encode(), digest_size=16).digest()
    return str(uuid.UUID(bytes=digest))
