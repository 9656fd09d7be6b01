"""Meta's side of the world: every merchant's ad account, its campaigns, ad sets and ads, and
their delivery.

Delivery is never stored: every ad-hour is a pure function of (seed, ad id, UTC hour start),
so any date range (years back) can be asked for, and "now" is applied on top by hiding hours
that have not started, pro-rating the current one and deciding how much of each hour's
purchases Meta has attributed so far. Accounts' ads are built on first use, so a world of
many merchants costs nothing until one of them is asked for.

An ad can be deleted from a moment on, as a merchant does in Ads Manager: it delivers nothing
from the next hour that starts, Meta reports its status as DELETED, and its listings and
insights leave it out unless asked for deleted objects (Marketing API, "Manage your ad object's
status"). A past day's purchases can be restated from a moment on (`restate_purchases`), as
Meta does when it re-runs attribution; readings as of earlier moments stay what they were.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from simulator.draws import BASIS, between, seeded_draws
from simulator.hours import HOUR, HOUR_MICROSECONDS, MICROSECOND
from simulator.merchants import Merchant
from simulator.meta_ads.faults import MetaFaults
from simulator.meta_ads.login import MetaLogin
from simulator.money import cents
from simulator.restatements import FULL_PERMILLE, Restatements

# Meta attributes a purchase to an ad for up to 28 days after the click (7-day click is the
# default window), so an hour's purchases keep arriving: ~60% are reported by the end of the
# account-local day, nearly all within the following week, the last ones until day 28.
ATTRIBUTION_WINDOW = timedelta(days=28)
_LATE_WEEK = timedelta(days=7)
_SHARE_AT_HOUR_START_BP = 4_000
_SHARE_AT_DAY_END_BP = 6_000
_SHARE_AFTER_LATE_WEEK_BP = 9_500
# The first campaign keeps its budget at campaign level (Advantage campaign budget); the second
# budgets per ad set, so both of Meta's budget placements exist in every account.
_CAMPAIGN_NAMES = ("Prospecting", "Retargeting")
_CAMPAIGN_BUDGET_CAMPAIGN = 0
_ADSET_NAMES = ("Broad 18-65", "Lookalike 1%", "Website visitors 30d", "Cart abandoners 7d")
_AD_NAMES = ("UGC video", "Carousel bestsellers", "Static offer", "Founder story")
_FIRST_CREATED = datetime(2020, 1, 6, 9, tzinfo=UTC)

# Relative weight of each local hour of the day: nights are quiet, 02:00-05:59 deliver nothing.
_HOURLY_WEIGHT = (2, 1, 0, 0, 0, 0, 1, 3, 5, 7, 8, 9, 10, 10, 9, 9, 9, 10, 11, 12, 11, 9, 6, 4)
_WEIGHT_TOTAL = sum(_HOURLY_WEIGHT)


@dataclass(frozen=True)
class Ad:
    account_id: str
    campaign_id: str
    campaign_name: str
    adset_id: str
    adset_name: str
    ad_id: str
    ad_name: str
    created_time: datetime


@dataclass(frozen=True)
class MetaCampaign:
    account_id: str
    campaign_id: str
    name: str
    daily_budget_cents: int | None  # None when the ad sets hold the budget
    created_time: datetime


@dataclass(frozen=True)
class MetaAdSet:
    account_id: str
    campaign_id: str
    adset_id: str
    name: str
    daily_budget_cents: int | None  # None when the campaign holds the budget
    created_time: datetime


@dataclass(frozen=True)
class Delivery:
    """An ad's delivery as Meta reports it: purchases are Meta's attributed claim so far."""

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
class AdOrders:
    """Orders an ad really drove, as the shop records them (fewer than Meta claims)."""

    count: int
    value: Decimal


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


@dataclass(frozen=True, slots=True)
class _AdProfile:
    daily_budget_cents: int
    cpm_cents: int
    ctr_bp: int
    cvr_bp: int
    order_value_cents: int
    # How many purchases Meta claims on top of the orders the ad really drove (view-through,
    # cross-device and purchases other channels drove too).
    overclaim_bp: int


@dataclass(frozen=True, slots=True)
class _HourSlot:
    """A UTC hour as one account-local day sees it."""

    start: datetime
    hour_of_day: int
    weight: int
    salt: str  # the hour's part of the seed of every ad's draws
    day_end: datetime  # UTC end of the account-local day: the attribution curve's anchor


@dataclass(frozen=True, slots=True)
class _FinalHour:
    """An ad-hour once it ended and every purchase was attributed."""

    spend_cents: int
    impressions: int
    clicks: int
    claimed_purchases: int
    real_orders: int
    order_cents: int
    report_draw: int  # rounds the attributed share of purchases, fixed per hour so it only grows


@dataclass(frozen=True)
class _AccountBook:
    ads: list[Ad]
    ad_ids: list[str]
    profiles: dict[str, _AdProfile]
    campaigns: list[MetaCampaign]
    adsets: list[MetaAdSet]


class MetaAdsWorld:
    """The ad accounts of a world's merchants (one each) and what Meta reports of them."""

    def __init__(
        self,
        seed: int,
        merchants: list[Merchant],
        ads_per_merchant: int,
        now: Callable[[], datetime],
    ) -> None:
        self.seed = seed
        self.ads_per_merchant = ads_per_merchant
        self.now = now
        self.faults = MetaFaults()
        self._by_account = {m.meta_account_id: m for m in merchants}
        self._merchant_no = {m.meta_account_id: n for n, m in enumerate(merchants, start=1)}
        self._by_token = {m.meta_access_token: m for m in merchants}
        self.login = MetaLogin(merchants)
        self._books: dict[str, _AccountBook] = {}
        self._books_lock = threading.Lock()
        self._deletions: dict[str, datetime] = {}  # ad id → when it was deleted
        self._deletions_lock = threading.Lock()
        self._restatements = Restatements()

    # -- lookups ---------------------------------------------------------------------------

    def merchant_by_account_id(self, account_id: str) -> Merchant | None:
        return self._by_account.get(account_id)

    def merchant_by_token(self, access_token: str) -> Merchant | None:
        """The token's user: a seeded token or one issued by Facebook Login, unless revoked."""
        if self.login.revoked(access_token):
            return None
        return self._by_token.get(access_token) or self.login.merchant_by_token(access_token)

    def ads(self, account_id: str) -> list[Ad]:
        """Ads of the account ordered by ad id; empty for an unknown account."""
        book = self._book(account_id)
        return book.ads if book else []

    def campaigns(self, account_id: str) -> list[MetaCampaign]:
        """Campaigns of the account ordered by id; empty for an unknown account."""
        book = self._book(account_id)
        return book.campaigns if book else []

    def adsets(self, account_id: str) -> list[MetaAdSet]:
        """Ad sets of the account ordered by id; empty for an unknown account."""
        book = self._book(account_id)
        return book.adsets if book else []

    def delete_ad(self, ad_id: str, at: datetime) -> None:
        """Delete the ad at `at` (tz-aware): from the first hour starting then on it delivers
        nothing, and Meta reports it DELETED."""
        if at.tzinfo is None:
            raise ValueError("at must be tz-aware")
        with self._deletions_lock:
            self._deletions[ad_id] = at.astimezone(UTC)

    def clear_deletions(self) -> None:
        with self._deletions_lock:
            self._deletions.clear()

    def effective_status(self, ad_id: str, *, as_of: datetime | None = None) -> str:
        """The ad's effective status as of `as_of` (default `now()`): every ad of the world
        delivers, so ACTIVE until it is deleted."""
        deleted_at = self.deleted_at(ad_id)
        deleted = deleted_at is not None and deleted_at <= self._as_of(as_of)
        return "DELETED" if deleted else "ACTIVE"

    def deleted_at(self, ad_id: str) -> datetime | None:
        with self._deletions_lock:
            return self._deletions.get(ad_id)

    def restate_purchases(self, account_id: str, local_date: date, permille: int) -> None:
        """From now on (`now()`), report `permille`/1000 of the purchases (and their value) of
        the account's account-local day `local_date`, every ad and hour of it.

        What Meta does when it re-runs attribution on a past day (a purchase event removed as
        fraud or a duplicate, a conversions API event deduplicated late, below 1000; purchases
        matched late, above): the day changes long after it was read. Readings as of an earlier
        moment do not change, so what a capture saw stays reproducible; a later call for the
        same day replaces this one from its own moment on. Purchases still being attributed
        (`ATTRIBUTION_WINDOW`) keep arriving, scaled.
        """
        self._require_account(account_id)
        self._restatements.restate(account_id, local_date, permille, self.now())

    def currency(self, account_id: str, local_date: date) -> str:
        """The currency the account reports `local_date` in (after a change, the new one)."""
        merchant = self._require_account(account_id)
        change = self.faults.meta_currency_change(account_id)
        if change is not None and local_date >= change.from_date:
            return change.currency
        return merchant.currency

    def account_currency(self, account_id: str) -> str:
        """The account's currency today, as its settings show it."""
        merchant = self._require_account(account_id)
        return self.currency(account_id, self.now().astimezone(merchant.tz).date())

    def _as_of(self, as_of: datetime | None) -> datetime:
        if as_of is None:
            return self.now()
        if as_of.tzinfo is None:
            raise ValueError("as_of must be tz-aware")
        return as_of.astimezone(UTC)

    # -- delivery --------------------------------------------------------------------------

    def delivery(self, ad: Ad, hour_start: datetime, *, as_of: datetime | None = None) -> Delivery:
        """Delivery of `ad` in the UTC hour starting at `hour_start`, as Meta reports it as of
        `as_of` (default `now()`): spend, impressions and clicks are final once the hour
        ended, purchases keep being attributed for up to 28 days."""
        slot = self._slot(ad, hour_start)
        if self._stopped(ad.ad_id, slot):
            return NO_DELIVERY
        profile = self._require_book(ad.account_id).profiles[ad.ad_id]
        now = self._as_of(as_of)
        local_date = slot.start.astimezone(self._require_account(ad.account_id).tz).date()
        permille = self._restatements.permille(ad.account_id, local_date, now)
        return _reported(self._final_hour(ad.ad_id, profile, slot), slot, now, permille)

    def ad_driven_orders(
        self, ad: Ad, hour_start: datetime, *, as_of: datetime | None = None
    ) -> AdOrders:
        """Orders `ad` really drove in the hour, as of `as_of` (default `now()`): once Meta has
        attributed everything, it claims more (view-through, cross-device, other channels')."""
        slot = self._slot(ad, hour_start)
        profile = self._require_book(ad.account_id).profiles[ad.ad_id]
        final = None if self._stopped(ad.ad_id, slot) else self._final_hour(ad.ad_id, profile, slot)
        elapsed_us = (self._as_of(as_of) - slot.start) // MICROSECOND
        if final is None or elapsed_us <= 0:
            return AdOrders(0, Decimal("0.00"))
        count = final.real_orders * min(elapsed_us, HOUR_MICROSECONDS) // HOUR_MICROSECONDS
        return AdOrders(count, cents(count * final.order_cents))

    def ad_hours(
        self, account_id: str, local_date: date, *, as_of: datetime | None = None
    ) -> list[HourDelivery]:
        """Ad-level hourly rows of one account-local day with any delivery, as of `as_of`
        (default `now()`).

        Ordered by ad id then hour of day, which is also the order the Meta simulator serves.
        """
        return list(self.iter_ad_hours(account_id, local_date, as_of=as_of))

    def iter_ad_hours(
        self,
        account_id: str,
        local_date: date,
        *,
        from_ad_id: str | None = None,
        as_of: datetime | None = None,
    ) -> Iterator[HourDelivery]:
        """`ad_hours`, computed lazily ad by ad, starting at the first ad whose id is not
        below `from_ad_id`: a page of rows costs that page, not the whole day."""
        for _, rows in self.iter_ads_days(
            account_id, local_date, local_date, from_ad_id=from_ad_id, as_of=as_of
        ):
            yield from rows

    def iter_ads_days(
        self,
        account_id: str,
        since: date,
        until: date,
        *,
        from_ad_id: str | None = None,
        as_of: datetime | None = None,
    ) -> Iterator[tuple[Ad, list[HourDelivery]]]:
        """Ad by ad in id order, from the first whose id is not below `from_ad_id`: the ad and
        its hourly rows of the account-local days `since` to `until` (by day, then hour), as
        of `as_of` (default `now()`). Computed lazily, so a consumer that stops early pays
        only for the ads it read."""
        merchant = self._require_account(account_id)
        book = self._require_book(account_id)
        now = self._as_of(as_of)
        days = []
        day = since
        while day <= until:
            days.append((day, _day_slots(day, merchant.timezone)))
            day += timedelta(days=1)
        start = 0 if from_ad_id is None else bisect.bisect_left(book.ad_ids, from_ad_id)
        for ad in book.ads[start:]:
            profile = book.profiles[ad.ad_id]
            yield (
                ad,
                [row for day, slots in days for row in self._ad_day(ad, profile, day, slots, now)],
            )

    def spend_by_day(self, account_id: str, start: date, end: date) -> dict[date, Decimal]:
        """Account spend per account-local day from `start` to `end` inclusive, as of `now()`."""
        # One reading of the clock for the whole range, so a real clock cannot tear it.
        now = self.now()
        spend: dict[date, Decimal] = {}
        day = start
        while day <= end:
            rows = self.iter_ad_hours(account_id, day, as_of=now)
            spend[day] = sum((row.delivery.spend for row in rows), Decimal("0.00"))
            day += timedelta(days=1)
        return spend

    def _ad_day(
        self,
        ad: Ad,
        profile: _AdProfile,
        local_date: date,
        slots: tuple[_HourSlot, ...],
        now: datetime,
    ) -> Iterator[HourDelivery]:
        by_hour: dict[int, Delivery] = {}
        permille = self._restatements.permille(ad.account_id, local_date, now)
        for slot in slots:
            if slot.start >= now or self._stopped(ad.ad_id, slot):
                break
            final = self._final_hour(ad.ad_id, profile, slot)
            if final is None:
                continue
            delivery = _reported(final, slot, now, permille)
            if delivery.impressions:
                previous = by_hour.get(slot.hour_of_day)
                by_hour[slot.hour_of_day] = delivery if previous is None else previous + delivery
        for hour_of_day in sorted(by_hour):
            yield HourDelivery(ad, local_date, hour_of_day, by_hour[hour_of_day])

    def _final_hour(self, ad_id: str, profile: _AdProfile, slot: _HourSlot) -> _FinalHour | None:
        if slot.weight == 0:
            return None
        draws = seeded_draws(self.seed, ad_id, slot.salt)
        if draws[0] % BASIS < 800:  # ~8% of hours paused by pacing
            return None
        spend_cents = (
            profile.daily_budget_cents * slot.weight * between(draws[1], 6_000, 14_000)
        ) // (_WEIGHT_TOTAL * BASIS)
        impressions = (spend_cents * 1_000 * between(draws[2], 8_000, 12_000)) // (
            profile.cpm_cents * BASIS
        )
        if impressions == 0:
            return None
        # Adding a uniform draw before flooring rounds an expected count up or down at random
        # in proportion, so quiet hours still get the odd click and purchase.
        expected_clicks = impressions * profile.ctr_bp * between(draws[3], 7_000, 13_000)
        clicks = min(impressions, (expected_clicks + draws[6] % BASIS**2) // BASIS**2)
        real_orders = (clicks * profile.cvr_bp + draws[4] % BASIS) // BASIS
        extra = (real_orders * profile.overclaim_bp + draws[7] // BASIS % BASIS) // BASIS
        return _FinalHour(
            spend_cents=spend_cents,
            impressions=impressions,
            clicks=clicks,
            claimed_purchases=min(clicks, real_orders + extra),
            real_orders=real_orders,
            order_cents=profile.order_value_cents * between(draws[5], 8_000, 12_000) // BASIS,
            report_draw=draws[7],
        )

    def _stopped(self, ad_id: str, slot: _HourSlot) -> bool:
        """Whether the ad was deleted before the hour started."""
        deleted_at = self.deleted_at(ad_id)
        return deleted_at is not None and slot.start >= deleted_at

    def _slot(self, ad: Ad, hour_start: datetime) -> _HourSlot:
        if hour_start.tzinfo is None:
            raise ValueError("hour_start must be tz-aware")
        hour_start = hour_start.astimezone(UTC)
        if hour_start.minute or hour_start.second or hour_start.microsecond:
            raise ValueError(f"{hour_start.isoformat()} is not the start of an hour")
        merchant = self._require_account(ad.account_id)
        local_date = hour_start.astimezone(merchant.tz).date()
        for slot in _day_slots(local_date, merchant.timezone):
            if slot.start == hour_start:
                return slot
        raise AssertionError(f"{hour_start} is not an hour of local day {local_date}")

    # -- construction ----------------------------------------------------------------------

    def _require_account(self, account_id: str) -> Merchant:
        merchant = self.merchant_by_account_id(account_id)
        if merchant is None:
            raise KeyError(f"no merchant with Meta ad account {account_id}")
        return merchant

    def _require_book(self, account_id: str) -> _AccountBook:
        book = self._book(account_id)
        if book is None:
            raise KeyError(f"no merchant with Meta ad account {account_id}")
        return book

    def _book(self, account_id: str) -> _AccountBook | None:
        book = self._books.get(account_id)
        if book is not None:
            return book
        merchant = self.merchant_by_account_id(account_id)
        if merchant is None:
            return None
        with self._books_lock:
            if account_id not in self._books:
                self._books[account_id] = self._make_book(merchant)
            return self._books[account_id]

    def _make_book(self, merchant: Merchant) -> _AccountBook:
        merchant_no = self._merchant_no[merchant.meta_account_id]
        adset_slots = [
            (campaign_no, adset_no)
            for campaign_no in range(len(_CAMPAIGN_NAMES))
            for adset_no in range(2)
        ]
        campaign_nos: dict[str, int] = {}
        adset_indexes: dict[str, int] = {}
        created: dict[str, datetime] = {}
        ads: list[Ad] = []
        for ad_no in range(self.ads_per_merchant):
            campaign_no, adset_no = adset_slots[ad_no % len(adset_slots)]
            adset_index = campaign_no * 2 + adset_no
            # Prefixes keep campaign, ad set and ad ids from colliding across the whole world.
            campaign_id = f"1201{merchant_no:06d}{campaign_no:06d}"
            adset_id = f"1202{merchant_no:06d}{adset_index:06d}"
            ad_id = f"1203{merchant_no:06d}{ad_no:06d}"
            if campaign_id not in campaign_nos:
                campaign_nos[campaign_id] = campaign_no
                created[campaign_id] = self._created_after(_FIRST_CREATED, campaign_id)
            if adset_id not in adset_indexes:
                adset_indexes[adset_id] = adset_index
                created[adset_id] = self._created_after(created[campaign_id], adset_id)
            ads.append(
                Ad(
                    account_id=merchant.meta_account_id,
                    campaign_id=campaign_id,
                    campaign_name=f"{merchant.name} | {_CAMPAIGN_NAMES[campaign_no]}",
                    adset_id=adset_id,
                    adset_name=_ADSET_NAMES[adset_index],
                    ad_id=ad_id,
                    ad_name=f"{_AD_NAMES[ad_no % len(_AD_NAMES)]} #{ad_no + 1}",
                    created_time=self._created_after(created[adset_id], ad_id),
                )
            )
        profiles = {ad.ad_id: self._make_profile(ad.ad_id) for ad in ads}
        # A budget is the sum of the daily budgets the world paces its ads by.
        budgets: dict[str, int] = defaultdict(int)
        adset_campaign: dict[str, str] = {}
        for ad in ads:
            budgets[ad.campaign_id] += profiles[ad.ad_id].daily_budget_cents
            budgets[ad.adset_id] += profiles[ad.ad_id].daily_budget_cents
            adset_campaign[ad.adset_id] = ad.campaign_id

        def holds_campaign_budget(campaign_id: str) -> bool:
            return campaign_nos[campaign_id] == _CAMPAIGN_BUDGET_CAMPAIGN

        campaigns = [
            MetaCampaign(
                account_id=merchant.meta_account_id,
                campaign_id=campaign_id,
                name=f"{merchant.name} | {_CAMPAIGN_NAMES[campaign_no]}",
                daily_budget_cents=budgets[campaign_id]
                if holds_campaign_budget(campaign_id)
                else None,
                created_time=created[campaign_id],
            )
            for campaign_id, campaign_no in sorted(campaign_nos.items())
        ]
        adsets = [
            MetaAdSet(
                account_id=merchant.meta_account_id,
                campaign_id=adset_campaign[adset_id],
                adset_id=adset_id,
                name=_ADSET_NAMES[adset_index],
                daily_budget_cents=None
                if holds_campaign_budget(adset_campaign[adset_id])
                else budgets[adset_id],
                created_time=created[adset_id],
            )
            for adset_id, adset_index in sorted(adset_indexes.items())
        ]
        return _AccountBook(ads, [ad.ad_id for ad in ads], profiles, campaigns, adsets)

    def _created_after(self, earliest: datetime, object_id: str) -> datetime:
        draw = seeded_draws(self.seed, object_id, "created")[0]
        return earliest + timedelta(days=draw % 120, minutes=draw // 120 % 1_440)

    def _make_profile(self, ad_id: str) -> _AdProfile:
        draws = seeded_draws(self.seed, ad_id, "profile")
        return _AdProfile(
            daily_budget_cents=between(draws[0], 5_000, 40_000),
            cpm_cents=between(draws[1], 600, 2_400),
            ctr_bp=between(draws[2], 50, 300),
            cvr_bp=between(draws[3], 100, 600),
            order_value_cents=between(draws[4], 3_000, 12_000),
            overclaim_bp=between(draws[5], 1_500, 4_500),
        )


def _reported(
    final: _FinalHour | None, slot: _HourSlot, now: datetime, permille: int = FULL_PERMILLE
) -> Delivery:
    """What Meta reports of an ad-hour as of `now`, its day's purchases restated to
    `permille`/1000 (`MetaAdsWorld.restate_purchases`)."""
    elapsed_us = (now - slot.start) // MICROSECOND
    if final is None or elapsed_us <= 0:
        return NO_DELIVERY
    if elapsed_us >= HOUR_MICROSECONDS:
        impressions, spend_cents = final.impressions, final.spend_cents
        clicks, purchases = final.clicks, final.claimed_purchases
    else:
        # The current hour so far: linear, rounded down.
        impressions = final.impressions * elapsed_us // HOUR_MICROSECONDS
        if impressions == 0:
            return NO_DELIVERY
        spend_cents = final.spend_cents * elapsed_us // HOUR_MICROSECONDS
        clicks = final.clicks * elapsed_us // HOUR_MICROSECONDS
        purchases = final.claimed_purchases * elapsed_us // HOUR_MICROSECONDS
    # A per-hour offset rounds the attributed share up or down, in proportion; as the share
    # only grows, so does every hour's reported count.
    reported = (purchases * _attributed_share_bp(slot, now) + final.report_draw % BASIS) // BASIS
    reported = reported * permille // FULL_PERMILLE
    return Delivery(
        spend=cents(spend_cents),
        impressions=impressions,
        link_clicks=clicks,
        purchases=reported,
        purchase_value=cents(reported * final.order_cents),
    )


def _attributed_share_bp(slot: _HourSlot, now: datetime) -> int:
    """Share of an hour's purchases Meta has attributed by `now`, in basis points."""
    if now <= slot.day_end:
        elapsed = (now - slot.start) // MICROSECOND
        span = (slot.day_end - slot.start) // MICROSECOND
        return _SHARE_AT_HOUR_START_BP + (
            (_SHARE_AT_DAY_END_BP - _SHARE_AT_HOUR_START_BP) * elapsed // span
        )
    after_day = now - slot.day_end
    if after_day < _LATE_WEEK:
        return _SHARE_AT_DAY_END_BP + (_SHARE_AFTER_LATE_WEEK_BP - _SHARE_AT_DAY_END_BP) * (
            after_day // MICROSECOND
        ) // (_LATE_WEEK // MICROSECOND)
    if after_day < ATTRIBUTION_WINDOW:
        return _SHARE_AFTER_LATE_WEEK_BP + (BASIS - _SHARE_AFTER_LATE_WEEK_BP) * (
            (after_day - _LATE_WEEK) // MICROSECOND
        ) // ((ATTRIBUTION_WINDOW - _LATE_WEEK) // MICROSECOND)
    return BASIS


@lru_cache(maxsize=4_096)
def _day_slots(local_date: date, timezone: str) -> tuple[_HourSlot, ...]:
    """Every UTC hour of an account-local day, with what each ad's draws need of it."""
    tz = ZoneInfo(timezone)
    hour = datetime.combine(local_date, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(local_date + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    slots = []
    while hour < end:
        hour_of_day = hour.astimezone(tz).hour
        slots.append(
            _HourSlot(hour, hour_of_day, _HOURLY_WEIGHT[hour_of_day], hour.isoformat(), end)
        )
        hour += HOUR
    return tuple(slots)
