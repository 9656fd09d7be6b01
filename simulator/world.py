"""One seeded, deterministic world of demo merchants and their ad delivery.

Delivery is never stored: every ad-hour is a pure function of (seed, ad id, UTC hour start),
so any date range (years back) can be asked for, and "now" is applied on top by hiding hours
that have not started and pro-rating the current one.
"""

from __future__ import annotations

import hashlib
import struct
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

HOUR = timedelta(hours=1)
_HOUR_MICROSECONDS = 3_600_000_000
_CENT = Decimal("0.01")
_BASIS = 10_000  # random draws and rates are integers in basis points: no float touches money

# Whole-hour UTC offsets only: delivery is defined per UTC hour, so every UTC hour must map to
# exactly one local hour for account-local days to be sums of whole hours.
_TIMEZONES = (
    "America/New_York",
    "Europe/Berlin",
    "America/Los_Angeles",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Tokyo",
    "America/Chicago",
    "America/Sao_Paulo",
)
_SHOP_NAMES = (
    "Northwind Outfitters",
    "Blauberg Kaffee",
    "Pacific Trail Supply",
    "Hartley & Finch",
    "Harbour Candle Co.",
    "Sakura Stationery",
    "Prairie Goods",
    "Verde Swimwear",
)
_CAMPAIGN_NAMES = ("Prospecting", "Retargeting")
_ADSET_NAMES = ("Broad 18-65", "Lookalike 1%", "Website visitors 30d", "Cart abandoners 7d")
_AD_NAMES = ("UGC video", "Carousel bestsellers", "Static offer", "Founder story")

# Relative weight of each local hour of the day: nights are quiet, 02:00-05:59 deliver nothing.
_HOURLY_WEIGHT = (2, 1, 0, 0, 0, 0, 1, 3, 5, 7, 8, 9, 10, 10, 9, 9, 9, 10, 11, 12, 11, 9, 6, 4)
_WEIGHT_TOTAL = sum(_HOURLY_WEIGHT)


@dataclass(frozen=True)
class Merchant:
    slug: str
    name: str
    currency: str
    timezone: str
    meta_account_id: str
    meta_access_token: str
    clerk_user_id: str
    clerk_session_id: str
    email: str
    google_customer_id: str  # 10 digits, as Google Ads shows it without dashes
    google_refresh_token: str
    shop_domain: str  # "<handle>.myshopify.com"
    shopify_access_token: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Ad:
    account_id: str
    campaign_id: str
    campaign_name: str
    adset_id: str
    adset_name: str
    ad_id: str
    ad_name: str


@dataclass(frozen=True)
class Delivery:
    spend: Decimal
    impressions: int
    link_clicks: int
    purchases: int
    purchase_value: Decimal

    def __add__(self, other: Delivery) -> Delivery:
        return Delivery(
            spend=self.spend + other.spend,
            impressions=self.impressions + other.impressions,
            link_clicks=self.link_clicks + other.link_clicks,
            purchases=self.purchases + other.purchases,
            purchase_value=self.purchase_value + other.purchase_value,
        )


NO_DELIVERY = Delivery(Decimal("0.00"), 0, 0, 0, Decimal("0.00"))


@dataclass(frozen=True)
class HourDelivery:
    """One ad's delivery in one account-local hour of one account-local day.

    On the autumn DST day the repeated local hour holds both UTC hours, as Meta's
    `hourly_stats_aggregated_by_advertiser_time_zone` breakdown does.
    """

    ad: Ad
    local_date: date
    hour_of_day: int
    delivery: Delivery


@dataclass(frozen=True)
class _AdProfile:
    daily_budget_cents: int
    cpm_cents: int
    ctr_bp: int
    cvr_bp: int
    order_value_cents: int


class InsightsFault(StrEnum):
    THROTTLE = "throttle"
    SERVER_ERROR = "server_error"


@dataclass(frozen=True)
class InsightsFailure:
    kind: InsightsFault
    # What a throttling response announces in `estimated_time_to_regain_access`.
    regain_minutes: int = 0


class Faults:
    """Failures injected on purpose so clients' retry paths can be exercised.

    Thread-safe: tests arm faults while the server's worker threads consume them.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._meta_insights: deque[InsightsFailure] = deque()

    def fail_meta_insights(
        self, count: int, kind: InsightsFault, *, regain_minutes: int = 0
    ) -> None:
        """Make the next `count` Meta insights requests fail with `kind`."""
        with self._lock:
            self._meta_insights.extend([InsightsFailure(kind, regain_minutes)] * count)

    def take_meta_insights(self) -> InsightsFailure | None:
        with self._lock:
            return self._meta_insights.popleft() if self._meta_insights else None

    def clear(self) -> None:
        with self._lock:
            self._meta_insights.clear()


def _utc_now() -> datetime:
    return datetime.now(UTC)


class World:
    def __init__(
        self,
        seed: int = 7,
        merchants: int = 2,
        ads_per_merchant: int = 6,
        orders_per_day: int = 40,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if merchants < 1 or ads_per_merchant < 1:
            raise ValueError("a world needs at least one merchant with at least one ad")
        self.seed = seed
        self.orders_per_day = orders_per_day
        self.clock = clock or _utc_now
        self.faults = Faults()
        self.merchants = [self._make_merchant(n) for n in range(1, merchants + 1)]
        self._ads_by_account = {
            m.meta_account_id: self._make_ads(m, merchant_no, ads_per_merchant)
            for merchant_no, m in enumerate(self.merchants, start=1)
        }
        self._profiles = {
            ad.ad_id: self._make_profile(ad.ad_id)
            for ads in self._ads_by_account.values()
            for ad in ads
        }
        self._by_account = {m.meta_account_id: m for m in self.merchants}
        self._by_meta_token = {m.meta_access_token: m for m in self.merchants}
        self._by_session = {m.clerk_session_id: m for m in self.merchants}

    # -- lookups ---------------------------------------------------------------------------

    def merchant_by_account_id(self, account_id: str) -> Merchant | None:
        return self._by_account.get(account_id)

    def merchant_by_meta_token(self, access_token: str) -> Merchant | None:
        return self._by_meta_token.get(access_token)

    def merchant_by_session_id(self, session_id: str) -> Merchant | None:
        return self._by_session.get(session_id)

    def ads(self, account_id: str) -> list[Ad]:
        """Ads of the account ordered by ad id; empty for an unknown account."""
        return self._ads_by_account.get(account_id, [])

    def now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the world's clock must return tz-aware datetimes")
        return now.astimezone(UTC)

    # -- delivery --------------------------------------------------------------------------

    def delivery(self, ad: Ad, hour_start: datetime) -> Delivery:
        """Delivery of `ad` in the UTC hour starting at `hour_start`, as of `clock()`."""
        if hour_start.tzinfo is None:
            raise ValueError("hour_start must be tz-aware")
        hour_start = hour_start.astimezone(UTC)
        if hour_start.minute or hour_start.second or hour_start.microsecond:
            raise ValueError(f"{hour_start.isoformat()} is not the start of an hour")
        return self._delivery_as_of(ad, hour_start, self.now())

    def meta_ad_hours(self, account_id: str, local_date: date) -> list[HourDelivery]:
        """Ad-level hourly rows of one account-local day with any delivery, as of `clock()`.

        Ordered by ad id then hour of day, which is also the order the Meta simulator serves.
        """
        return self._ad_hours(account_id, local_date, self.now())

    def meta_spend_by_day(self, account_id: str, start: date, end: date) -> dict[date, Decimal]:
        """Account spend per account-local day from `start` to `end` inclusive, as of `clock()`."""
        # One reading of the clock for the whole range, so a real clock cannot tear it.
        now = self.now()
        spend: dict[date, Decimal] = {}
        day = start
        while day <= end:
            rows = self._ad_hours(account_id, day, now)
            spend[day] = sum((row.delivery.spend for row in rows), Decimal("0.00"))
            day += timedelta(days=1)
        return spend

    def _delivery_as_of(self, ad: Ad, hour_start: datetime, now: datetime) -> Delivery:
        elapsed = now - hour_start
        if elapsed <= timedelta(0):
            return NO_DELIVERY
        full = self._final_delivery(ad, hour_start)
        if elapsed >= HOUR:
            return full
        return _pro_rate(full, elapsed // timedelta(microseconds=1))

    def _ad_hours(self, account_id: str, local_date: date, now: datetime) -> list[HourDelivery]:
        merchant = self._require_account(account_id)
        rows: list[HourDelivery] = []
        hours = list(_local_day_hours(local_date, merchant.tz))
        for ad in self.ads(account_id):
            by_hour: dict[int, Delivery] = {}
            for hour_start, hour_of_day in hours:
                delivery = self._delivery_as_of(ad, hour_start, now)
                if delivery.impressions:
                    by_hour[hour_of_day] = by_hour.get(hour_of_day, NO_DELIVERY) + delivery
            rows.extend(
                HourDelivery(ad, local_date, hour_of_day, delivery)
                for hour_of_day, delivery in sorted(by_hour.items())
            )
        return rows

    # -- construction ----------------------------------------------------------------------

    def _require_account(self, account_id: str) -> Merchant:
        merchant = self.merchant_by_account_id(account_id)
        if merchant is None:
            raise KeyError(f"no merchant with Meta ad account {account_id}")
        return merchant

    def _make_merchant(self, n: int) -> Merchant:
        slug = f"demo-{n}"
        token_digest = _digest("meta-token", self.seed, slug)
        return Merchant(
            slug=slug,
            name=_SHOP_NAMES[(n - 1) % len(_SHOP_NAMES)],
            currency="USD" if n % 2 else "EUR",
            timezone=_TIMEZONES[(n - 1) % len(_TIMEZONES)],
            meta_account_id=str(1_000_000_000 + n),
            # Meta user tokens start with "EAA"; the rest only has to be opaque and stable.
            meta_access_token=f"EAASim{token_digest[:48]}",
            clerk_user_id=f"user_demo_{n}",
            clerk_session_id=f"sess_demo_{n}",
            email=f"owner@{slug}.example.com",
            google_customer_id=str(5_000_000_000 + n),
            google_refresh_token=f"1//sim-{_digest('google-refresh', self.seed, slug)[:40]}",
            shop_domain=f"{slug}.myshopify.com",
            # Shopify Admin API access tokens start with "shpat_".
            shopify_access_token=f"shpat_{_digest('shopify-token', self.seed, slug)[:32]}",
        )

    def _make_ads(self, merchant: Merchant, merchant_no: int, count: int) -> list[Ad]:
        # Prefixes keep campaign, ad set and ad ids from colliding across the whole world.
        adsets = [
            (campaign_no, adset_no)
            for campaign_no in range(len(_CAMPAIGN_NAMES))
            for adset_no in range(2)
        ]
        ads = []
        for ad_no in range(count):
            campaign_no, adset_no = adsets[ad_no % len(adsets)]
            adset_index = campaign_no * 2 + adset_no
            ads.append(
                Ad(
                    account_id=merchant.meta_account_id,
                    campaign_id=f"1201{merchant_no:06d}{campaign_no:06d}",
                    campaign_name=f"{merchant.name} | {_CAMPAIGN_NAMES[campaign_no]}",
                    adset_id=f"1202{merchant_no:06d}{adset_index:06d}",
                    adset_name=_ADSET_NAMES[adset_index],
                    ad_id=f"1203{merchant_no:06d}{ad_no:06d}",
                    ad_name=f"{_AD_NAMES[ad_no % len(_AD_NAMES)]} #{ad_no + 1}",
                )
            )
        return ads

    def _make_profile(self, ad_id: str) -> _AdProfile:
        draws = _draws(self.seed, ad_id, "profile")
        return _AdProfile(
            daily_budget_cents=_between(draws[0], 5_000, 40_000),
            cpm_cents=_between(draws[1], 600, 2_400),
            ctr_bp=_between(draws[2], 50, 300),
            cvr_bp=_between(draws[3], 100, 600),
            order_value_cents=_between(draws[4], 3_000, 12_000),
        )

    def _final_delivery(self, ad: Ad, hour_start: datetime) -> Delivery:
        merchant = self._by_account[ad.account_id]
        weight = _HOURLY_WEIGHT[hour_start.astimezone(merchant.tz).hour]
        draws = _draws(self.seed, ad.ad_id, hour_start.isoformat())
        if weight == 0 or draws[0] % _BASIS < 800:  # ~8% of hours paused by pacing
            return NO_DELIVERY
        profile = self._profiles[ad.ad_id]
        spend_cents = (profile.daily_budget_cents * weight * _between(draws[1], 6_000, 14_000)) // (
            _WEIGHT_TOTAL * _BASIS
        )
        impressions = (spend_cents * 1_000 * _between(draws[2], 8_000, 12_000)) // (
            profile.cpm_cents * _BASIS
        )
        if impressions == 0:
            return NO_DELIVERY
        # Adding a uniform draw before flooring rounds an expected count up or down at random
        # in proportion, so quiet hours still get the odd click and purchase.
        expected_clicks = impressions * profile.ctr_bp * _between(draws[3], 7_000, 13_000)
        clicks = min(impressions, (expected_clicks + draws[6] % _BASIS**2) // _BASIS**2)
        purchases = (clicks * profile.cvr_bp + draws[4] % _BASIS) // _BASIS
        order_cents = profile.order_value_cents * _between(draws[5], 8_000, 12_000) // _BASIS
        return Delivery(
            spend=_cents(spend_cents),
            impressions=impressions,
            link_clicks=clicks,
            purchases=purchases,
            purchase_value=_cents(purchases * order_cents),
        )


def _pro_rate(full: Delivery, elapsed_us: int) -> Delivery:
    """The part of a final hour delivered `elapsed_us` into it: linear, rounded down."""
    impressions = full.impressions * elapsed_us // _HOUR_MICROSECONDS
    if impressions == 0:
        return NO_DELIVERY
    spend_cents = int(full.spend * 100) * elapsed_us // _HOUR_MICROSECONDS
    purchases = full.purchases * elapsed_us // _HOUR_MICROSECONDS
    order_value = full.purchase_value / full.purchases if full.purchases else Decimal(0)
    return Delivery(
        spend=_cents(spend_cents),
        impressions=impressions,
        link_clicks=full.link_clicks * elapsed_us // _HOUR_MICROSECONDS,
        purchases=purchases,
        purchase_value=(order_value * purchases).quantize(_CENT),
    )


def _local_day_hours(local_date: date, tz: ZoneInfo) -> Iterator[tuple[datetime, int]]:
    """(UTC hour start, local hour of day) for every UTC hour of an account-local day."""
    hour = datetime.combine(local_date, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(local_date + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    while hour < end:
        yield hour, hour.astimezone(tz).hour
        hour += HOUR


def _draws(seed: int, ad_id: str, salt: str) -> tuple[int, ...]:
    digest = hashlib.blake2b(f"{seed}|{ad_id}|{salt}".encode(), digest_size=32).digest()
    return struct.unpack(">8I", digest)


def _between(draw: int, low: int, high: int) -> int:
    return low + draw % (high - low + 1)


def _cents(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _digest(purpose: str, seed: int, slug: str) -> str:
    return hashlib.sha256(f"{purpose}|{seed}|{slug}".encode()).hexdigest()
