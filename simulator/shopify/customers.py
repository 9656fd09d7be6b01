"""Who comes to a shop and when they buy. Every UTC hour's sessions come in strata (a Meta ad's
clicks, a Google ad group's, the shop's own traffic); some of them bring new customers, and each
customer's orders (the first, and up to three repeats) are fixed when they arrive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from simulator.draws import BASIS, round_at_random
from simulator.google_ads.world import GoogleAdsWorld
from simulator.hours import HOUR
from simulator.merchants import Merchant
from simulator.meta_ads.world import AdOrders
from simulator.shopify.records import Channel, Session
from simulator.shopify.sessions import Stratum, make_session, visitor_id
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

# Sessions are placed by every ad-hour's final clicks and orders, read as of this instant, so a
# session's place in its hour never moves while the hour is still running.
_END_OF_TIME = datetime(9999, 1, 1, tzinfo=UTC)
_NO_ORDERS = AdOrders(0, Decimal("0.00"))

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

CHECKOUT_IN_SESSION_S = (2 * MINUTE_S, 40 * MINUTE_S)
_CHECKOUT_ON_RETURN_S = (2 * MINUTE_S, 30 * MINUTE_S)
_RETURN_VISIT_S = (HOUR_S, 7 * DAY_S)
_REPEAT_GAP_S = (7 * DAY_S, 30 * DAY_S)

# How far apart the events of one customer's story can be: scans for orders look back this far.
_FIRST_ORDER_MAX_DELAY = timedelta(seconds=HOUR_S + _RETURN_VISIT_S[1] + _CHECKOUT_ON_RETURN_S[1])
CUSTOMER_SPAN = _FIRST_ORDER_MAX_DELAY + (MAX_ORDERS_PER_CUSTOMER - 1) * timedelta(
    seconds=_REPEAT_GAP_S[1] + _CHECKOUT_ON_RETURN_S[1]
)

# Where the shop's own traffic comes from.
_OWN_CHANNEL_SHARES_BP = (
    (Channel.ORGANIC_SEARCH, 4_500),
    (Channel.DIRECT, 2_500),
    (Channel.REFERRAL, 1_000),
    (Channel.EMAIL, 2_000),
)


@dataclass(frozen=True, slots=True)
class Root:
    """A new customer's arrival: the session they came through and when they bought after."""

    merchant_no: int
    hour: datetime
    slot: int  # the customer's position among the hour's new customers
    stratum: Stratum
    session_index: int
    test: bool
    # Per order: (start of the return visit it was placed in, or None for the arrival session;
    # the order's creation time).
    orders: tuple[tuple[datetime | None, datetime], ...]


class Arrivals:
    """The strata and new customers of every shop of a world, hour by hour, computed on demand
    and kept in bounded caches."""

    def __init__(self, world: World, google: GoogleAdsWorld) -> None:
        self.world = world
        self._google = google
        self._merchant_no = {m.shop_domain: n for n, m in enumerate(world.merchants, start=1)}
        self.strata = lru_cache(maxsize=16_384)(self._compute_strata)
        self.roots_on_day = lru_cache(maxsize=8_192)(self._compute_roots_on_day)

    def merchant_no(self, merchant: Merchant) -> int:
        return self._merchant_no[merchant.shop_domain]

    def session_start(
        self, merchant: Merchant, hour: datetime, stratum: Stratum, j: int
    ) -> datetime:
        # Spread evenly over the hour with a little jitter, in index order, so a session's start
        # depends only on its own draws and the stratum's size.
        draws = shop_draws(self.world.seed, merchant.slug, hour.isoformat(), stratum.key, str(j))
        return hour + timedelta(seconds=(j * HOUR_S + draws[0] % HOUR_S) // stratum.sessions)

    def session(self, merchant: Merchant, hour: datetime, stratum: Stratum, j: int) -> Session:
        """The `j`th session of the stratum."""
        key = f"{merchant.slug}|{hour.isoformat()}|{stratum.key}|{j}"
        draws = shop_draws(self.world.seed, key, "session")
        merchant_no = self._merchant_no[merchant.shop_domain]
        stratum_no = self.strata(merchant_no, hour).index(stratum)
        number = f"{merchant_no}{hour_ordinal(hour):07d}{stratum_no:02d}{j:05d}"
        return make_session(
            merchant,
            number=number,
            client_id=visitor_id(self.world.seed, key),
            channel=stratum.channel,
            started_at=self.session_start(merchant, hour, stratum, j),
            draws=draws,
            stratum=stratum,
        )

    def root_of(self, customer_id: str) -> Root:
        """The arrival of the customer with this id (gid://shopify/Customer/<number>)."""
        number = int(customer_id.rsplit("/", 1)[1]) - _CUSTOMER_BASE
        merchant_no, in_merchant = divmod(number, 10**11)
        ordinal, slot_digits = divmod(in_merchant, 10**5)
        hour = hour_of_ordinal(ordinal)
        for root in self.roots_on_day(merchant_no, hour.date()):
            if root.hour == hour and root.slot * 10 == slot_digits:
                return root
        raise KeyError(f"no customer {customer_id}")

    def _compute_roots_on_day(self, merchant_no: int, day: date) -> tuple[Root, ...]:
        merchant = self.world.merchants[merchant_no - 1]
        hour = datetime.combine(day, time(0), tzinfo=UTC)
        roots: list[Root] = []
        for _ in range(24):
            roots.extend(self._hour_roots(merchant, merchant_no, hour))
            hour += HOUR
        return tuple(roots)

    def _hour_roots(self, merchant: Merchant, merchant_no: int, hour: datetime) -> list[Root]:
        strata = self.strata(merchant_no, hour)
        hour_key = hour.isoformat()
        arrivals: list[tuple[Stratum, int]] = []
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
        draw = shop_draws(self.world.seed, merchant.slug, hour_key, "new-customers")[0]
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
        stratum: Stratum,
        j: int,
    ) -> Root:
        draws = shop_draws(self.world.seed, merchant.slug, hour.isoformat(), str(slot), "root")
        test = stratum.driven_orders is None and draws[0] % BASIS < _TEST_ORDER_BP
        arrived = self.session_start(merchant, hour, stratum, j)
        orders: list[tuple[datetime | None, datetime]]
        if test or draws[1] % BASIS < _SAME_SESSION_BP:
            orders = [(None, arrived + seconds(draws[2], CHECKOUT_IN_SESSION_S))]
        else:
            returned = arrived + seconds(draws[3], _RETURN_VISIT_S)
            orders = [(returned, returned + seconds(draws[4], _CHECKOUT_ON_RETURN_S))]
        if not test:
            for position in range(1, MAX_ORDERS_PER_CUSTOMER):
                repeat = shop_draws(
                    self.world.seed,
                    merchant.slug,
                    hour.isoformat(),
                    str(slot),
                    f"repeat-{position}",
                )
                if repeat[0] % BASIS >= _REPEAT_BP:
                    break
                visit = orders[-1][1] + seconds(repeat[1], _REPEAT_GAP_S)
                orders.append((visit, visit + seconds(repeat[2], _CHECKOUT_ON_RETURN_S)))
        return Root(merchant_no, hour, slot, stratum, j, test, tuple(orders))

    def _compute_strata(self, merchant_no: int, hour: datetime) -> tuple[Stratum, ...]:
        merchant = self.world.merchants[merchant_no - 1]
        strata = [*self._meta_strata(merchant, hour), *self._google_strata(merchant, hour)]
        weight = _SHOP_HOURLY_WEIGHT[hour.astimezone(merchant.tz).hour]
        draws = shop_draws(self.world.seed, merchant.slug, hour.isoformat(), "own-sessions")
        for (channel, share_bp), draw in zip(_OWN_CHANNEL_SHARES_BP, draws, strict=False):
            sessions = round_at_random(
                self.world.orders_per_day * _OWN_SESSIONS_PER_ORDER * share_bp * weight,
                _SHOP_WEIGHT_TOTAL * BASIS,
                draw,
            )
            if sessions:
                strata.append(Stratum(key=channel.value, channel=channel, sessions=sessions))
        return tuple(strata)

    def _meta_strata(self, merchant: Merchant, hour: datetime) -> list[Stratum]:
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
                Stratum(
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

    def _google_strata(self, merchant: Merchant, hour: datetime) -> list[Stratum]:
        strata = []
        for group in self._google.ad_groups(merchant.google_customer_id):
            metrics = self._google.metrics(group, hour, as_of=_END_OF_TIME)
            if not metrics.clicks:
                continue
            # Google's conversions are fractional (data-driven attribution); the shop records
            # whole orders, as many as the conversions on average.
            hundredths = int(metrics.conversions * 100)
            draw = shop_draws(self.world.seed, group.ad_group_id, hour.isoformat(), "orders")[0]
            orders = min(metrics.clicks, round_at_random(hundredths, 100, draw))
            value_cents = int(metrics.conversions_value * 100)
            strata.append(
                Stratum(
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


_CUSTOMER_BASE = 7 * 10**12


def customer_number(root: Root) -> int:
    # Unique by construction: merchant, arrival hour and slot (Arrivals.root_of reads them back).
    return (
        _CUSTOMER_BASE
        + root.merchant_no * 10**11
        + hour_ordinal(root.hour) * 10**5
        + root.slot * 10
    )


def _distinct(count: int, population: int, seed: int, *parts: str) -> list[int]:
    """`count` distinct indices below `population`, drawn in a fixed order."""
    picks: list[int] = []
    taken: set[int] = set()
    attempt = 0
    while len(picks) < count:
        for draw in shop_draws(seed, *parts, f"pick-{attempt}"):
            candidate = draw % population
            if candidate not in taken and len(picks) < count:
                taken.add(candidate)
                picks.append(candidate)
        attempt += 1
    return picks
