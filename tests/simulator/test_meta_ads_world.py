from __future__ import annotations

import itertools
import time
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

import pytest

from simulator.hours import HOUR
from simulator.meta_ads.world import NO_DELIVERY
from simulator.world import World
from tests.helpers import Clock

# 11:30 in New York (demo-1), 17:30 in Berlin (demo-2).
NOW = datetime(2026, 8, 10, 15, 30, tzinfo=UTC)
TODAY_NY = date(2026, 8, 10)


def fixed(now: datetime) -> World:
    return World(clock=lambda: now)


def account(world: World, n: int = 0) -> str:
    return world.merchants[n].meta_account_id


def test_ads_have_world_unique_ids_in_two_campaigns_of_two_ad_sets() -> None:
    world = World(merchants=2, ads_per_merchant=6)
    ads = [ad for merchant in world.merchants for ad in world.meta.ads(merchant.meta_account_id)]
    assert len(ads) == 12
    ids = [i for ad in ads for i in (ad.campaign_id, ad.adset_id, ad.ad_id)]
    assert all(i.isdigit() for i in ids)
    # 2 merchants x (2 campaigns + 4 ad sets + 6 ads), no id shared by any two objects.
    assert len(set(ids)) == 24
    for merchant in world.merchants:
        own = world.meta.ads(merchant.meta_account_id)
        assert len({ad.campaign_id for ad in own}) == 2
        assert len({ad.adset_id for ad in own}) == 4


def test_same_seed_gives_the_same_numbers_and_another_seed_does_not() -> None:
    day = date(2026, 8, 3)
    first = fixed(NOW).meta.ad_hours(account(fixed(NOW)), day)
    again = fixed(NOW).meta.ad_hours(account(fixed(NOW)), day)
    other = World(seed=8, clock=lambda: NOW).meta.ad_hours(account(fixed(NOW)), day)
    assert first == again
    assert first
    assert [row.delivery for row in first] != [row.delivery for row in other]


def test_delivery_is_computed_for_any_day_years_back() -> None:
    world = fixed(NOW)
    rows = world.meta.ad_hours(account(world), date(2021, 2, 14))
    assert sum(row.delivery.spend for row in rows) > 0


def test_money_is_decimal_cents_and_counts_are_consistent() -> None:
    world = fixed(NOW)
    rows = world.meta.ad_hours(account(world, 1), date(2026, 8, 1))
    assert rows
    for row in rows:
        d = row.delivery
        assert isinstance(d.spend, Decimal)
        assert d.spend.as_tuple().exponent == -2
        assert d.purchase_value.as_tuple().exponent == -2
        assert d.impressions > 0
        assert 0 <= d.link_clicks <= d.impressions
        assert 0 <= d.purchases <= d.link_clicks
        assert (d.purchase_value > 0) == (d.purchases > 0)
    assert sum(row.delivery.purchases for row in rows) > 0


def test_delivery_follows_the_account_local_day() -> None:
    world = fixed(NOW)
    spend_by_hour = dict.fromkeys(range(24), Decimal(0))
    for day in range(1, 8):
        for row in world.meta.ad_hours(account(world), date(2026, 8, day)):
            spend_by_hour[row.hour_of_day] += row.delivery.spend
    assert all(spend_by_hour[hour] == 0 for hour in (2, 3, 4, 5))
    assert spend_by_hour[19] > 5 * spend_by_hour[1]


def test_hours_not_started_have_no_delivery() -> None:
    world = fixed(NOW)
    rows = world.meta.ad_hours(account(world), TODAY_NY)
    assert rows
    assert max(row.hour_of_day for row in rows) == 11
    assert world.meta.ad_hours(account(world), TODAY_NY + timedelta(days=1)) == []
    ad = world.meta.ads(account(world))[0]
    assert world.meta.delivery(ad, datetime(2026, 8, 10, 16, tzinfo=UTC)) == NO_DELIVERY


def test_the_current_hour_is_pro_rated_by_the_elapsed_fraction() -> None:
    hour_start = datetime(2026, 8, 10, 15, tzinfo=UTC)
    final_world = fixed(hour_start + HOUR)
    quarter_world = fixed(hour_start + timedelta(minutes=15))
    started_world = fixed(hour_start)
    checked = 0
    for ad in final_world.meta.ads(account(final_world)):
        final = final_world.meta.delivery(ad, hour_start)
        quarter = quarter_world.meta.delivery(ad, hour_start)
        assert started_world.meta.delivery(ad, hour_start) == NO_DELIVERY
        if final.impressions < 4:
            continue
        checked += 1
        assert quarter.spend == (final.spend / 4).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        assert quarter.impressions == final.impressions // 4
        assert quarter.link_clicks == final.link_clicks // 4
        assert quarter.purchases <= final.purchases
    assert checked >= 3


def test_spend_impressions_and_clicks_are_final_once_the_hour_ended() -> None:
    hour_start = datetime(2026, 8, 10, 14, tzinfo=UTC)
    now, much_later = fixed(NOW), fixed(NOW + timedelta(days=400))
    for ad in now.meta.ads(account(now)):
        early, late = now.meta.delivery(ad, hour_start), much_later.meta.delivery(ad, hour_start)
        assert (early.spend, early.impressions, early.link_clicks) == (
            late.spend,
            late.impressions,
            late.link_clicks,
        )


def test_purchases_keep_arriving_for_up_to_28_days_and_never_go_back() -> None:
    day = date(2026, 8, 9)
    day_end = datetime(2026, 8, 10, 4, tzinfo=UTC)  # midnight in New York
    moments = [
        day_end - timedelta(hours=6),
        day_end,
        day_end + timedelta(days=1),
        day_end + timedelta(days=7),
        day_end + timedelta(days=20),
        day_end + timedelta(days=28),
        day_end + timedelta(days=300),
    ]
    by_moment = [fixed(moment).meta.ad_hours(account(fixed(NOW)), day) for moment in moments]
    finals = {(r.ad.ad_id, r.hour_of_day): r.delivery for r in by_moment[-1]}
    previous: dict[tuple[str, int], int] = {}
    for rows in by_moment[1:]:
        for row in rows:
            key = (row.ad.ad_id, row.hour_of_day)
            assert previous.get(key, 0) <= row.delivery.purchases <= finals[key].purchases
            previous[key] = row.delivery.purchases
    totals = [sum(r.delivery.purchases for r in rows) for rows in by_moment]
    final = totals[-1]
    assert final > 30
    # About 60% by the end of the day, nearly all after a week, all of it by day 28.
    assert 0.5 * final <= totals[1] <= 0.7 * final
    assert totals[3] >= 0.9 * final
    assert totals[5] == final
    assert totals == sorted(totals)
    # Values follow counts, at each hour's order value.
    for rows in by_moment:
        for row in rows:
            assert (row.delivery.purchase_value > 0) == (row.delivery.purchases > 0)


def test_meta_claims_more_purchases_than_the_orders_its_ads_drove() -> None:
    world = fixed(NOW + timedelta(days=60))
    claimed = real = 0
    real_value = claimed_value = Decimal(0)
    for ad in world.meta.ads(account(world)):
        for hours in range(24 * 7):
            hour_start = datetime(2026, 8, 1, tzinfo=UTC) + hours * HOUR
            orders = world.meta.ad_driven_orders(ad, hour_start)
            delivery = world.meta.delivery(ad, hour_start)
            assert orders.count <= delivery.purchases
            real += orders.count
            claimed += delivery.purchases
            real_value += orders.value
            claimed_value += delivery.purchase_value
    assert real > 50
    # Meta's view-through and cross-device credit: a plausible 15-45% over-claim.
    assert 1.15 * real <= claimed <= 1.45 * real
    assert real_value < claimed_value


def test_spend_per_day_is_the_sum_of_its_hours() -> None:
    world = fixed(NOW)
    for n in (0, 1):
        spend = world.meta.spend_by_day(account(world, n), date(2026, 8, 7), date(2026, 8, 11))
        assert list(spend) == [date(2026, 8, d) for d in range(7, 12)]
        for day, total in spend.items():
            hours = world.meta.ad_hours(account(world, n), day)
            assert total == sum((row.delivery.spend for row in hours), Decimal(0))
        assert spend[date(2026, 8, 11)] == 0
        assert 0 < spend[date(2026, 8, 10)] < spend[date(2026, 8, 9)]


def test_the_repeated_hour_of_the_autumn_dst_day_holds_both_utc_hours() -> None:
    world = fixed(NOW + timedelta(days=365))
    day = date(2026, 11, 1)  # New York falls back at 02:00 EDT: 01:00-01:59 happens twice
    ads = world.meta.ads(account(world))
    rows = {
        (row.ad.ad_id, row.hour_of_day): row for row in world.meta.ad_hours(account(world), day)
    }
    for ad in ads:
        first = world.meta.delivery(ad, datetime(2026, 11, 1, 5, tzinfo=UTC))
        second = world.meta.delivery(ad, datetime(2026, 11, 1, 6, tzinfo=UTC))
        row = rows.get((ad.ad_id, 1))
        assert (row.delivery if row else NO_DELIVERY) == first + second


def test_unknown_accounts_and_naive_times_are_refused() -> None:
    world = fixed(NOW)
    with pytest.raises(KeyError):
        world.meta.ad_hours("42", TODAY_NY)
    with pytest.raises(ValueError, match="tz-aware"):
        world.meta.delivery(world.meta.ads(account(world))[0], datetime(2026, 8, 10, 15))
    naive = World(clock=lambda: datetime(2026, 8, 10, 15))
    with pytest.raises(ValueError, match="tz-aware"):
        naive.meta.ad_hours(account(naive), TODAY_NY)


def test_campaigns_and_ad_sets_hold_the_budget_at_one_level_each() -> None:
    world = World(merchants=1, ads_per_merchant=10)
    account_id = account(world)
    campaigns = world.meta.campaigns(account_id)
    adsets = world.meta.adsets(account_id)
    ads = world.meta.ads(account_id)
    assert [c.campaign_id for c in campaigns] == sorted({ad.campaign_id for ad in ads})
    assert [s.adset_id for s in adsets] == sorted({ad.adset_id for ad in ads})
    budgeted = {c.campaign_id for c in campaigns if c.daily_budget_cents is not None}
    assert len(budgeted) == 1
    for adset in adsets:
        assert (adset.daily_budget_cents is None) == (adset.campaign_id in budgeted)
    for ad in ads:
        adset = next(s for s in adsets if s.adset_id == ad.adset_id)
        campaign = next(c for c in campaigns if c.campaign_id == ad.campaign_id)
        assert campaign.created_time <= adset.created_time <= ad.created_time
    assert world.meta.campaigns("42") == world.meta.adsets("42") == world.meta.ads("42") == []


def test_a_currency_change_applies_from_its_day_on() -> None:
    world = fixed(NOW)
    account_id = account(world)
    assert world.meta.account_currency(account_id) == "USD"
    world.faults.change_meta_currency(account_id, "GBP", TODAY_NY)
    assert world.meta.currency(account_id, TODAY_NY - timedelta(days=1)) == "USD"
    assert world.meta.currency(account_id, TODAY_NY) == "GBP"
    assert world.meta.account_currency(account_id) == "GBP"
    world.faults.clear()
    assert world.meta.account_currency(account_id) == "USD"


def test_a_world_of_100_merchants_with_200_ads_each_builds_lazily_and_serves_a_day_fast() -> None:
    started = time.perf_counter()
    world = World(merchants=100, ads_per_merchant=200, clock=lambda: NOW)
    assert time.perf_counter() - started < 0.5
    last = world.merchants[-1].meta_account_id
    started = time.perf_counter()
    rows = world.meta.ad_hours(last, date(2026, 8, 9))
    assert time.perf_counter() - started < 2.0
    assert len({row.ad.ad_id for row in rows}) == 200
    # A page from the middle of the day costs the page, not the day.
    middle = world.meta.ads(last)[150].ad_id
    page = list(
        itertools.islice(world.meta.iter_ad_hours(last, date(2026, 8, 9), from_ad_id=middle), 5)
    )
    assert page == [row for row in rows if row.ad.ad_id >= middle][:5]


def test_a_restated_day_reports_its_new_purchases_from_the_moment_it_was_restated() -> None:
    # A day whose purchases have all been attributed (more than 28 days before), so only the
    # restatement changes them; its neighbour and the other account stay as they were.
    day, neighbour = TODAY_NY - timedelta(days=30), TODAY_NY - timedelta(days=31)
    clock = Clock(NOW - HOUR)
    world = World(merchants=2, clock=clock)
    new_york, berlin = account(world), account(world, 1)
    untouched = {
        (account_id, restated): world.meta.ad_hours(account_id, restated)
        for account_id in (new_york, berlin)
        for restated in (day, neighbour)
    }
    clock.now = NOW
    world.meta.restate_purchases(new_york, day, 600)

    for (account_id, restated), rows in untouched.items():
        # Readings as of a moment before the restatement are what they were, made whenever.
        assert world.meta.ad_hours(account_id, restated, as_of=NOW - HOUR) == rows
        now = world.meta.ad_hours(account_id, restated)
        if (account_id, restated) != (new_york, day):
            assert now == rows
            continue
        assert [(row.ad, row.hour_of_day) for row in now] == [
            (row.ad, row.hour_of_day) for row in rows
        ]
        for before, after in zip(rows, now, strict=True):
            # Every hour's purchases scaled and rounded down, at the same order value.
            assert after.delivery.purchases == before.delivery.purchases * 600 // 1000
            assert after.delivery.spend == before.delivery.spend
            if before.delivery.purchases:
                per_purchase = before.delivery.purchase_value / before.delivery.purchases
                assert after.delivery.purchase_value == per_purchase * after.delivery.purchases
        assert sum(row.delivery.purchases for row in now) < sum(
            row.delivery.purchases for row in rows
        )
        # An hour read on its own agrees with the day's rows.
        row = next(row for row in now if row.delivery.purchases)
        # (No DST change that day: local midnight plus the hour of day is the hour's start.)
        midnight = datetime(day.year, day.month, day.day, tzinfo=world.merchants[0].tz)
        hour_start = (midnight + timedelta(hours=row.hour_of_day)).astimezone(UTC)
        assert world.meta.delivery(row.ad, hour_start) == row.delivery

    # A later restatement of the day replaces the earlier one from its own moment on.
    clock.now = NOW + HOUR
    world.meta.restate_purchases(new_york, day, 1_000)
    assert world.meta.ad_hours(new_york, day) == untouched[(new_york, day)]
    with pytest.raises(KeyError):
        world.meta.restate_purchases("42", day, 600)
    with pytest.raises(ValueError, match="negative"):
        world.meta.restate_purchases(new_york, day, -1)
