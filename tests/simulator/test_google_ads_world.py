"""Google delivery of the simulated world, and the wire format the simulator serves it in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

import httpx
import pytest

from simulator.google_ads.world import (
    COST_MICROS_STEP,
    NO_METRICS,
    RESTATEMENT_PERIOD,
    AdGroupHour,
    EntityStatus,
    GoogleAdsWorld,
    GoogleMetrics,
    StreamFault,
)
from simulator.hours import HOUR
from simulator.money import CENT
from simulator.server import SimulatorServer
from simulator.world import World
from tests.helpers import Clock

# 03:07 in New York (demo-1), 09:07 in Berlin (demo-2): the shared suite's NOW.
NOW = datetime(2026, 11, 20, 8, 7, tzinfo=UTC)
DAY = date(2026, 11, 16)  # long enough ago that every conversion has arrived
HOURLY_QUERY = (
    "SELECT campaign.id, campaign.name, ad_group.id, ad_group.name, segments.date, "
    "segments.hour, metrics.cost_micros, metrics.impressions, metrics.clicks, "
    "metrics.conversions, metrics.conversions_value, customer.currency_code, "
    "customer.time_zone FROM ad_group WHERE segments.date BETWEEN '{since}' AND '{until}'"
)


# Customer ids do not depend on the seed or the clock.
NEW_YORK, BERLIN = (merchant.google_customer_id for merchant in World().merchants)


def google_at(now: datetime, seed: int = 7) -> GoogleAdsWorld:
    return GoogleAdsWorld.of(World(seed=seed, clock=lambda: now))


def test_merchants_have_two_or_three_campaigns_of_two_ad_groups_with_world_unique_ids() -> None:
    world = World(merchants=4)
    google = GoogleAdsWorld.of(world)
    assert GoogleAdsWorld.of(world) is google
    campaign_counts = set()
    ids: list[str] = []
    for merchant in world.merchants:
        groups = google.ad_groups(merchant.google_customer_id)
        campaigns = {group.campaign_id for group in groups}
        campaign_counts.add(len(campaigns))
        assert len(groups) == 2 * len(campaigns)
        assert all(group.customer_id == merchant.google_customer_id for group in groups)
        assert all(group.campaign_name.startswith(merchant.name) for group in groups)
        ids += campaigns
        ids += [group.ad_group_id for group in groups]
    assert campaign_counts == {2, 3}
    assert all(i.isdigit() for i in ids)
    meta_ids = {
        i
        for merchant in world.merchants
        for ad in world.meta.ads(merchant.meta_account_id)
        for i in (ad.campaign_id, ad.adset_id, ad.ad_id)
    }
    assert len(set(ids)) == len(ids)
    assert not set(ids) & meta_ids
    assert google.ad_groups("42") == []


def test_same_seed_gives_the_same_numbers_and_another_seed_does_not() -> None:
    first = google_at(NOW).ad_group_hours(NEW_YORK, DAY)
    again = google_at(NOW).ad_group_hours(NEW_YORK, DAY)
    other = google_at(NOW, seed=8).ad_group_hours(NEW_YORK, DAY)
    assert first == again
    assert first
    assert [row.metrics for row in first] != [row.metrics for row in other]


def test_metrics_are_exact_and_consistent() -> None:
    google = google_at(NOW)
    rows = [row for c in (NEW_YORK, BERLIN) for row in google.ad_group_hours(c, DAY)]
    assert rows
    for row in rows:
        m = row.metrics
        assert m.cost_micros % COST_MICROS_STEP == 0
        assert m.impressions > 0
        assert 0 <= m.clicks <= m.impressions
        # Search is paid per click.
        assert (m.cost_micros > 0) == (m.clicks > 0)
        assert isinstance(m.conversions, Decimal)
        assert m.conversions.as_tuple().exponent == -2
        assert m.conversions_value.as_tuple().exponent == -2
        assert (m.conversions_value > 0) <= (m.conversions > 0)
    # Data-driven attribution: some hours hold a fraction of a conversion.
    assert any(row.metrics.conversions % 1 for row in rows)
    assert sum(row.metrics.conversions for row in rows) > 10
    assert any(row.metrics.clicks == 0 for row in rows)


def test_delivery_follows_the_customers_local_day() -> None:
    google = google_at(NOW)
    cost_by_hour = dict.fromkeys(range(24), 0)
    for day in range(1, 8):
        for row in google.ad_group_hours(NEW_YORK, date(2026, 11, day)):
            cost_by_hour[row.hour] += row.metrics.cost_micros
    assert cost_by_hour[3] == cost_by_hour[4] == 0
    assert cost_by_hour[13] > 5 * cost_by_hour[1]


def test_hours_not_started_are_empty_and_the_current_one_is_pro_rated() -> None:
    google = google_at(NOW)
    today = date(2026, 11, 20)
    assert max(row.hour for row in google.ad_group_hours(BERLIN, today)) == 9
    assert google.ad_group_hours(BERLIN, today + timedelta(days=1)) == []
    group = google.ad_groups(BERLIN)[0]
    assert google.metrics(group, datetime(2026, 11, 20, 9, tzinfo=UTC)) == NO_METRICS

    hour_start = datetime(2026, 11, 20, 8, tzinfo=UTC)
    checked = 0
    for group in google.ad_groups(BERLIN):
        final = google_at(hour_start + HOUR).metrics(group, hour_start)
        quarter = google_at(hour_start + timedelta(minutes=15)).metrics(group, hour_start)
        assert google_at(hour_start).metrics(group, hour_start) == NO_METRICS
        if final.impressions < 4:
            continue
        checked += 1
        steps = final.cost_micros // COST_MICROS_STEP
        assert quarter.cost_micros == steps // 4 * COST_MICROS_STEP
        assert (quarter.impressions, quarter.clicks) == (
            final.impressions // 4,
            final.clicks // 4,
        )
    assert checked >= 2


def test_conversions_keep_arriving_for_three_days_while_cost_stays_final() -> None:
    tz_new_york = google_at(NOW).merchant_by_customer_id(NEW_YORK).tz
    day_end = datetime(2026, 11, 19, tzinfo=tz_new_york)
    google = google_at(NOW)
    checked = 0
    for hour_start in (datetime(2026, 11, 18, utc_hour, tzinfo=UTC) for utc_hour in range(14, 22)):
        moments = (
            (hour_start + HOUR, Decimal("0.7")),  # the hour just ended
            (day_end, Decimal("0.7")),  # the local day just ended
            (day_end + RESTATEMENT_PERIOD / 2, Decimal("0.85")),
            (day_end + RESTATEMENT_PERIOD, Decimal(1)),
            (day_end + timedelta(days=365), Decimal(1)),
        )
        for group in google.ad_groups(NEW_YORK):
            final = google_at(day_end + timedelta(days=400)).metrics(group, hour_start)
            if not final.conversions:
                continue
            checked += 1
            for moment, share in moments:
                seen = google_at(moment).metrics(group, hour_start)
                assert (seen.cost_micros, seen.impressions, seen.clicks) == (
                    final.cost_micros,
                    final.impressions,
                    final.clicks,
                )
                assert seen.conversions == (final.conversions * share).quantize(
                    Decimal("0.01"), rounding=ROUND_DOWN
                )
                assert seen.conversions_value <= final.conversions_value
    assert checked >= 10


def test_a_restated_day_reports_its_new_conversions_from_the_moment_it_was_restated() -> None:
    # Two days whose conversions have all arrived, so only the restatements change them.
    earlier_day, day = DAY - timedelta(days=1), DAY
    clock = Clock(NOW - HOUR)
    google = GoogleAdsWorld.of(World(seed=7, clock=clock))
    untouched = {
        (customer_id, restated): google.ad_group_hours(customer_id, restated)
        for customer_id in (NEW_YORK, BERLIN)
        for restated in (earlier_day, day)
    }
    clock.now = NOW
    google.restate_conversions(NEW_YORK, day, 1_250)
    clock.now = NOW + timedelta(minutes=5)
    google.restate_conversions(NEW_YORK, earlier_day, 600)

    def totals(rows: list[AdGroupHour]) -> tuple[Decimal, Decimal, int]:
        return (
            sum((row.metrics.conversions for row in rows), Decimal(0)),
            sum((row.metrics.conversions_value for row in rows), Decimal(0)),
            sum(row.metrics.cost_micros for row in rows),
        )

    for (customer_id, restated), rows in untouched.items():
        # Readings as of a moment before the restatement are what they were, made whenever.
        assert google.ad_group_hours(customer_id, restated, as_of=NOW - HOUR) == rows
        now = google.ad_group_hours(customer_id, restated)
        if customer_id == BERLIN:
            assert now == rows
            continue
        permille = 1_250 if restated == day else 600
        conversions, value, cost = totals(rows)
        restated_conversions, restated_value, restated_cost = totals(now)
        assert restated_cost == cost
        assert [(row.ad_group, row.hour) for row in now] == [
            (row.ad_group, row.hour) for row in rows
        ]
        # Every hour scaled, rounded down to the hundredth.
        share = Decimal(permille) / 1000
        assert conversions * share - len(rows) * CENT < restated_conversions <= conversions * share
        assert (restated_value > value) == (permille > 1000)
    # The 600 came after NOW: as of NOW the earlier day still shows what it did.
    assert (
        google.ad_group_hours(NEW_YORK, earlier_day, as_of=NOW)
        == untouched[(NEW_YORK, earlier_day)]
    )

    # Same seed, same restatement at the same moment: the same figures.
    again = GoogleAdsWorld.of(World(seed=7, clock=lambda: NOW))
    again.restate_conversions(NEW_YORK, day, 1_250)
    assert again.ad_group_hours(NEW_YORK, day) == google.ad_group_hours(NEW_YORK, day, as_of=NOW)
    # A later restatement of the day replaces the earlier one from its own moment on.
    google.restate_conversions(NEW_YORK, day, 1_000)
    assert google.ad_group_hours(NEW_YORK, day) == untouched[(NEW_YORK, day)]
    assert google.ad_group_hours(NEW_YORK, day, as_of=NOW) == again.ad_group_hours(NEW_YORK, day)
    with pytest.raises(KeyError):
        google.restate_conversions("42", day, 1_250)


def test_every_ad_group_holds_two_ads_and_each_account_has_a_paused_and_a_removed_one() -> None:
    world = World(merchants=3)
    google = GoogleAdsWorld.of(world)
    ad_ids: list[str] = []
    for merchant in world.merchants:
        customer_id = merchant.google_customer_id
        groups = {group.ad_group_id: group for group in google.ad_groups(customer_id)}
        ads = google.ads(customer_id)
        assert sorted(ad.ad_group_id for ad in ads) == sorted(2 * list(groups))
        for ad in ads:
            group = groups[ad.ad_group_id]
            assert (ad.customer_id, ad.campaign_id) == (customer_id, group.campaign_id)
            assert ad.ad_name.startswith(f"{group.ad_group_name} | ")
        statuses = [google.status(ad.ad_id) for ad in ads]
        assert statuses.count(EntityStatus.PAUSED) == statuses.count(EntityStatus.REMOVED) == 1
        assert {google.status(c.campaign_id) for c in google.campaigns(customer_id)} == {
            EntityStatus.ENABLED
        }
        assert {google.status(group_id) for group_id in groups} == {EntityStatus.ENABLED}
        assert [c.campaign_id for c in google.campaigns(customer_id)] == sorted(
            {group.campaign_id for group in groups.values()}
        )
        ad_ids += [ad.ad_id for ad in ads]
    other_ids = {
        i
        for merchant in world.merchants
        for group in google.ad_groups(merchant.google_customer_id)
        for i in (group.campaign_id, group.ad_group_id)
    }
    assert len(set(ad_ids)) == len(ad_ids) and not set(ad_ids) & other_ids
    assert google.ads("42") == []


@pytest.mark.parametrize("paused_level", ["campaign", "ad_group"])
def test_a_paused_ad_group_or_campaign_delivers_nothing_from_the_next_hour_until_enabled(
    paused_level: str,
) -> None:
    clock = Clock(NOW)
    google = GoogleAdsWorld.of(World(seed=7, clock=clock))
    group = google.ad_groups(BERLIN)[2]
    paused = group.campaign_id if paused_level == "campaign" else group.ad_group_id
    day = date(2026, 11, 19)  # Berlin: 2026-11-18 23:00 to 2026-11-19 23:00 UTC
    before = google.ad_group_hours(BERLIN, day)
    at = datetime(2026, 11, 19, 10, 20, tzinfo=UTC)  # 11:20 in Berlin
    google.set_status(paused, EntityStatus.PAUSED, at)
    google.set_status(paused, EntityStatus.ENABLED, at + timedelta(hours=3))
    after = google.ad_group_hours(BERLIN, day)

    def hours_of(rows: list[AdGroupHour], group_id: str) -> dict[int, GoogleMetrics]:
        return {row.hour: row.metrics for row in rows if row.ad_group.ad_group_id == group_id}

    delivered_before, delivered_after = (
        hours_of(before, group.ad_group_id),
        hours_of(after, group.ad_group_id),
    )
    # The hour the pause came in keeps delivering; 12:00-14:59 do not; from 15:00 it serves.
    assert {11, 12, 13, 14, 15} <= set(delivered_before)
    assert delivered_after == {
        hour: metrics for hour, metrics in delivered_before.items() if hour not in (12, 13, 14)
    }
    assert google.status(paused, as_of=at - timedelta(seconds=1)) is EntityStatus.ENABLED
    assert google.status(paused, as_of=at) is EntityStatus.PAUSED
    assert google.status(paused) is EntityStatus.ENABLED
    # Other ad groups are untouched (a paused campaign stops only its own ad groups).
    others = {g.ad_group_id for g in google.ad_groups(BERLIN)} - {
        g.ad_group_id for g in google.ad_groups(BERLIN) if paused in (g.campaign_id, g.ad_group_id)
    }
    for group_id in others:
        assert hours_of(after, group_id) == hours_of(before, group_id)
    # A reading as of before the pause is what it was.
    assert google.ad_group_hours(BERLIN, day, as_of=at) == google_at(at).ad_group_hours(BERLIN, day)
    with pytest.raises(KeyError):
        google.set_status("999", EntityStatus.PAUSED, at)


def test_cost_per_day_is_the_sum_of_its_hours() -> None:
    google = google_at(NOW)
    for customer_id in (NEW_YORK, BERLIN):
        cost = google.cost_micros_by_day(customer_id, date(2026, 11, 17), date(2026, 11, 21))
        assert list(cost) == [date(2026, 11, d) for d in range(17, 22)]
        for day, total in cost.items():
            rows = google.ad_group_hours(customer_id, day)
            assert total == sum(row.metrics.cost_micros for row in rows)
        assert cost[date(2026, 11, 21)] == 0
        assert 0 < cost[date(2026, 11, 20)] < cost[date(2026, 11, 19)]


def test_the_repeated_hour_of_the_autumn_dst_day_holds_both_utc_hours() -> None:
    google = google_at(NOW)
    day = date(2026, 11, 1)  # New York falls back at 02:00 EDT: 01:00-01:59 happens twice
    rows = {
        (row.ad_group.ad_group_id, row.hour): row for row in google.ad_group_hours(NEW_YORK, day)
    }
    for group in google.ad_groups(NEW_YORK):
        first = google.metrics(group, datetime(2026, 11, 1, 5, tzinfo=UTC))
        second = google.metrics(group, datetime(2026, 11, 1, 6, tzinfo=UTC))
        row = rows.get((group.ad_group_id, 1))
        assert (row.metrics if row else NO_METRICS) == first + second


# -- the simulator's wire format -----------------------------------------------------------


@pytest.fixture
def access_token(simulator: SimulatorServer, world: World) -> str:
    merchant = world.merchants[0]
    response = httpx.post(
        f"{simulator.base_url}/google-oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": merchant.google_refresh_token,
            "client_id": "sim-client-id",
            "client_secret": "sim-client-secret",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3599)
    assert body["access_token"].startswith("ya29.")
    return body["access_token"]


@pytest.fixture
def google(world: World) -> Iterator[GoogleAdsWorld]:
    google = GoogleAdsWorld.of(world)
    yield google
    google.faults.clear()
    google.stream_batch_size = 10_000


def search(
    simulator: SimulatorServer,
    customer_id: str,
    query: str,
    access_token: str | None,
    developer_token: str | None = "sim-developer-token",
) -> httpx.Response:
    headers = {}
    if access_token is not None:
        headers["Authorization"] = f"Bearer {access_token}"
    if developer_token is not None:
        headers["developer-token"] = developer_token
    return httpx.post(
        f"{simulator.base_url}/google-ads/v18/customers/{customer_id}/googleAds:searchStream",
        json={"query": query},
        headers=headers,
    )


def failure_of(error: dict) -> tuple[str, dict]:
    [detail] = error["details"]
    assert detail["@type"] == "type.googleapis.com/google.ads.googleads.v18.errors.GoogleAdsFailure"
    [failure] = detail["errors"]
    return error["status"], failure["errorCode"]


def test_rows_stream_in_batches_with_int64_as_strings(
    simulator: SimulatorServer, world: World, google: GoogleAdsWorld, access_token: str
) -> None:
    customer_id = world.merchants[0].google_customer_id
    google.stream_batch_size = 25
    response = search(
        simulator, customer_id, HOURLY_QUERY.format(since=DAY, until=DAY), access_token
    )
    assert response.status_code == 200
    batches = response.json()
    truth = google.ad_group_hours(customer_id, DAY)
    assert len(batches) == -(-len(truth) // 25) > 1
    rows = [row for batch in batches for row in batch["results"]]
    assert len(rows) == len(truth)
    assert {batch["fieldMask"] for batch in batches} == {
        "campaign.id,campaign.name,adGroup.id,adGroup.name,segments.date,segments.hour,"
        "metrics.costMicros,metrics.impressions,metrics.clicks,metrics.conversions,"
        "metrics.conversionsValue,customer.currencyCode,customer.timeZone"
    }
    first, expected = rows[0], truth[0]
    assert first["adGroup"] == {
        "resourceName": f"customers/{customer_id}/adGroups/{expected.ad_group.ad_group_id}",
        "id": expected.ad_group.ad_group_id,
        "name": expected.ad_group.ad_group_name,
    }
    assert first["segments"] == {"date": DAY.isoformat(), "hour": expected.hour}
    assert first["customer"]["timeZone"] == "America/New_York"
    for row in rows:
        assert all(
            isinstance(row["metrics"][f], str) for f in ("costMicros", "impressions", "clicks")
        )
        assert all(
            isinstance(row["metrics"][f], float | int) for f in ("conversions", "conversionsValue")
        )


def stream_rows(
    simulator: SimulatorServer, customer_id: str, query: str, access_token: str
) -> list[dict]:
    response = search(simulator, customer_id, query, access_token)
    assert response.status_code == 200, response.text
    return [row for batch in response.json() for row in batch.get("results", [])]


def summed(hours: list[AdGroupHour], key: Callable[[AdGroupHour], object]) -> dict[object, tuple]:
    """The world's hourly rows summed per `key`: (cost micros, impressions, clicks,
    conversions, conversions value)."""
    sums: dict[object, GoogleMetrics] = {}
    for hour in hours:
        sums[key(hour)] = sums.get(key(hour), NO_METRICS) + hour.metrics
    return {
        group: (m.cost_micros, m.impressions, m.clicks, m.conversions, m.conversions_value)
        for group, m in sums.items()
    }


def served_metrics(row: dict) -> tuple:
    metrics = row["metrics"]
    return (
        int(metrics["costMicros"]),
        int(metrics["impressions"]),
        int(metrics["clicks"]),
        Decimal(str(metrics["conversions"])),
        Decimal(str(metrics["conversionsValue"])),
    )


METRICS_SELECTED = (
    "metrics.cost_micros, metrics.impressions, metrics.clicks, metrics.conversions, "
    "metrics.conversions_value"
)


def test_a_query_without_segments_hour_gets_one_row_per_ad_group_and_day(
    simulator: SimulatorServer, world: World, google: GoogleAdsWorld, access_token: str
) -> None:
    customer_id = world.merchants[0].google_customer_id
    since = DAY - timedelta(days=1)
    rows = stream_rows(
        simulator,
        customer_id,
        f"SELECT ad_group.id, segments.date, {METRICS_SELECTED} FROM ad_group "
        f"WHERE segments.date BETWEEN '{since}' AND '{DAY}'",
        access_token,
    )
    hours = google.ad_group_hours(customer_id, since) + google.ad_group_hours(customer_id, DAY)
    truth = summed(hours, lambda hour: (hour.local_date.isoformat(), hour.ad_group.ad_group_id))
    served = {(row["segments"]["date"], row["adGroup"]["id"]): served_metrics(row) for row in rows}
    assert len(rows) == len(served) == len(truth) > 2
    assert served == truth
    assert all("hour" not in row["segments"] for row in rows)


@pytest.mark.parametrize(
    ("resource", "id_field", "object_of"),
    [
        ("ad_group", "ad_group.id", lambda hour: hour.ad_group.ad_group_id),
        ("campaign", "campaign.id", lambda hour: hour.ad_group.campaign_id),
        ("customer", "customer.id", lambda hour: hour.ad_group.customer_id),
    ],
)
def test_a_query_without_segments_gets_one_row_per_object_for_the_whole_range(
    simulator: SimulatorServer,
    world: World,
    google: GoogleAdsWorld,
    access_token: str,
    resource: str,
    id_field: str,
    object_of: Callable[[AdGroupHour], str],
) -> None:
    customer_id = world.merchants[0].google_customer_id
    since = DAY - timedelta(days=2)
    rows = stream_rows(
        simulator,
        customer_id,
        f"SELECT {id_field}, {METRICS_SELECTED} FROM {resource} "
        f"WHERE segments.date >= '{since}' AND segments.date <= '{DAY}'",
        access_token,
    )
    hours = [
        hour
        for n in range(3)
        for hour in google.ad_group_hours(customer_id, since + timedelta(days=n))
    ]
    resource_key, attribute = id_field.split(".")
    served = {row[_camel(resource_key)][attribute]: served_metrics(row) for row in rows}
    assert len(rows) == len(served)
    assert served == summed(hours, object_of)
    assert all("segments" not in row for row in rows)


def test_segments_hour_alone_sums_that_hour_across_the_days(
    simulator: SimulatorServer, world: World, google: GoogleAdsWorld, access_token: str
) -> None:
    customer_id = world.merchants[0].google_customer_id
    since = DAY - timedelta(days=1)
    rows = stream_rows(
        simulator,
        customer_id,
        f"SELECT campaign.id, segments.hour, {METRICS_SELECTED} FROM campaign "
        f"WHERE segments.date BETWEEN '{since}' AND '{DAY}'",
        access_token,
    )
    hours = google.ad_group_hours(customer_id, since) + google.ad_group_hours(customer_id, DAY)
    truth = summed(hours, lambda hour: (hour.ad_group.campaign_id, hour.hour))
    served = {(row["campaign"]["id"], row["segments"]["hour"]): served_metrics(row) for row in rows}
    assert len(rows) == len(served)
    assert served == truth


def test_during_counts_days_in_the_accounts_time_zone_ending_yesterday(
    simulator: SimulatorServer, world: World, google: GoogleAdsWorld, access_token: str
) -> None:
    merchant = world.merchants[0]
    rows = stream_rows(
        simulator,
        merchant.google_customer_id,
        "SELECT segments.date, metrics.cost_micros FROM customer "
        "WHERE segments.date DURING LAST_7_DAYS",
        access_token,
    )
    today = NOW.astimezone(merchant.tz).date()
    week = google.cost_micros_by_day(
        merchant.google_customer_id, today - timedelta(days=7), today - timedelta(days=1)
    )
    assert {row["segments"]["date"]: int(row["metrics"]["costMicros"]) for row in rows} == {
        day.isoformat(): cost for day, cost in week.items()
    }


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(word.capitalize() for word in rest)


def test_an_empty_range_is_one_batch_without_results(
    simulator: SimulatorServer, world: World, access_token: str
) -> None:
    response = search(
        simulator,
        world.merchants[0].google_customer_id,
        HOURLY_QUERY.format(since="2026-12-01", until="2026-12-02"),
        access_token,
    )
    [batch] = response.json()
    assert "results" not in batch and batch["fieldMask"] and batch["requestId"]


def test_attribute_queries_list_every_object_with_its_status_as_of_now(
    simulator: SimulatorServer, world: World, google: GoogleAdsWorld, access_token: str
) -> None:
    customer_id = world.merchants[0].google_customer_id
    campaign = google.campaigns(customer_id)[1]
    google.set_status(campaign.campaign_id, EntityStatus.PAUSED, NOW - timedelta(minutes=5))
    google.set_status(campaign.campaign_id, EntityStatus.REMOVED, NOW + timedelta(minutes=5))
    try:
        campaigns = stream_rows(
            simulator,
            customer_id,
            "SELECT campaign.id, campaign.name, campaign.status FROM campaign",
            access_token,
        )
        groups = stream_rows(
            simulator,
            customer_id,
            "SELECT campaign.id, ad_group.id, ad_group.name, ad_group.status FROM ad_group",
            access_token,
        )
        ads = stream_rows(
            simulator,
            customer_id,
            "SELECT campaign.id, ad_group.id, ad_group_ad.ad.id, ad_group_ad.ad.name, "
            "ad_group_ad.status FROM ad_group_ad",
            access_token,
        )
    finally:
        google.clear_status_changes()
    assert campaigns == [
        {
            "campaign": {
                "resourceName": f"customers/{customer_id}/campaigns/{c.campaign_id}",
                "id": c.campaign_id,
                "name": c.campaign_name,
                # The removal is five minutes off: now, the campaign is paused.
                "status": "PAUSED" if c == campaign else "ENABLED",
            }
        }
        for c in google.campaigns(customer_id)
    ]
    assert [(row["campaign"]["id"], row["adGroup"]) for row in groups] == [
        (
            group.campaign_id,
            {
                "resourceName": f"customers/{customer_id}/adGroups/{group.ad_group_id}",
                "id": group.ad_group_id,
                "name": group.ad_group_name,
                # An ad group keeps its own status under a paused campaign, as Google reports it.
                "status": "ENABLED",
            },
        )
        for group in google.ad_groups(customer_id)
    ]
    assert [row["adGroupAd"] for row in ads] == [
        {
            "resourceName": f"customers/{customer_id}/adGroupAds/{ad.ad_group_id}~{ad.ad_id}",
            "ad": {
                "resourceName": f"customers/{customer_id}/ads/{ad.ad_id}",
                "id": ad.ad_id,
                "name": ad.ad_name,
            },
            "status": google.status(ad.ad_id).value,
        }
        for ad in google.ads(customer_id)
    ]
    assert {row["adGroupAd"]["status"] for row in ads} == {"ENABLED", "PAUSED", "REMOVED"}
    assert [row["adGroup"]["id"] for row in ads] == [
        ad.ad_group_id for ad in google.ads(customer_id)
    ]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("FETCH campaign.id FROM ad_group", "EXPECTED_SELECT"),
        ("SELECT campaign.id", "EXPECTED_FROM"),
        ("SELECT campaign.id FROM keyword_view", "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE"),
        ("SELECT metrics.ctr, segments.date FROM ad_group", "UNRECOGNIZED_FIELD"),
        ("SELECT segments.date, segments.hour FROM ad_group", "EXPECTED_FILTERS_ON_DATE_RANGE"),
        (
            "SELECT segments.date, segments.hour FROM ad_group "
            "WHERE segments.date BETWEEN '2026-11-02' AND '2026-11-01'",
            "DATE_RANGE_TOO_NARROW",
        ),
        (
            "SELECT segments.date, segments.hour FROM ad_group "
            "WHERE segments.date BETWEEN '2026-11-31' AND '2026-12-01'",
            "BAD_VALUE",
        ),
        (
            "SELECT segments.date, segments.hour FROM ad_group "
            "WHERE segments.date DURING LAST_7_DAYS AND ad_group.status = 'ENABLED'",
            "QUERY_ERROR",
        ),
        (
            "SELECT segments.date, segments.hour FROM ad_group "
            "WHERE segments.date DURING LAST_SEVEN_DAYS",
            "INVALID_VALUE_WITH_DURING_OPERATOR",
        ),
        (
            "SELECT metrics.clicks FROM ad_group WHERE segments.date >= '2026-11-01'",
            "EXPECTED_FILTERS_ON_DATE_RANGE",
        ),
        (
            "SELECT ad_group_ad.ad.id, metrics.clicks FROM ad_group_ad "
            "WHERE segments.date DURING LAST_7_DAYS",
            "QUERY_ERROR",
        ),
        (
            "SELECT ad_group.status, metrics.clicks FROM ad_group "
            "WHERE segments.date DURING LAST_7_DAYS",
            "QUERY_ERROR",
        ),
        ("SELECT ad_group_ad.ad.id FROM campaign", "UNRECOGNIZED_FIELD"),
        ("SELECT campaign.id FROM campaign WHERE campaign.status = 'ENABLED'", "QUERY_ERROR"),
        (
            "SELECT segments.date, segments.hour FROM ad_group "
            "WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-02' ORDER BY segments.hour",
            "QUERY_ERROR",
        ),
    ],
)
def test_queries_outside_the_served_subset_are_refused_as_google_does(
    simulator: SimulatorServer, world: World, access_token: str, query: str, code: str
) -> None:
    response = search(simulator, world.merchants[0].google_customer_id, query, access_token)
    assert response.status_code == 400
    # Raised inside the stream: REST clients get the error as an element of the array.
    [element] = response.json()
    assert failure_of(element["error"]) == ("INVALID_ARGUMENT", {"queryError": code})


@pytest.mark.parametrize(
    ("access", "developer_token", "status_code", "expected"),
    [
        (None, "sim-developer-token", 401, ("UNAUTHENTICATED", "authenticationError")),
        ("ya29.forged", "sim-developer-token", 401, ("UNAUTHENTICATED", "authenticationError")),
        ("valid", None, 400, ("INVALID_ARGUMENT", "requestError")),
        ("valid", "not-ours", 403, ("PERMISSION_DENIED", "authorizationError")),
    ],
)
def test_credentials_are_checked_with_googles_error_shape(
    simulator: SimulatorServer,
    world: World,
    access_token: str,
    access: str | None,
    developer_token: str | None,
    status_code: int,
    expected: tuple[str, str],
) -> None:
    token = access_token if access == "valid" else access
    response = search(
        simulator,
        world.merchants[0].google_customer_id,
        "SELECT customer.id FROM customer",
        token,
        developer_token,
    )
    assert response.status_code == status_code
    status, error_code = failure_of(response.json()["error"])
    assert (status, *error_code) == expected
    assert response.json()["error"]["code"] == status_code


def test_another_merchants_customer_is_permission_denied(
    simulator: SimulatorServer, world: World, access_token: str
) -> None:
    response = search(
        simulator,
        world.merchants[1].google_customer_id,
        "SELECT customer.id FROM customer",
        access_token,
    )
    assert response.status_code == 403
    assert failure_of(response.json()["error"]) == (
        "PERMISSION_DENIED",
        {"authorizationError": "USER_PERMISSION_DENIED"},
    )


def test_throttling_announces_a_retry_delay(
    simulator: SimulatorServer, world: World, google: GoogleAdsWorld, access_token: str
) -> None:
    google.faults.fail_search_stream(1, StreamFault.RESOURCE_EXHAUSTED, retry_delay_seconds=3)
    google.faults.fail_search_stream(1, StreamFault.UNAVAILABLE)
    customer_id = world.merchants[0].google_customer_id
    throttled = search(simulator, customer_id, "SELECT customer.id FROM customer", access_token)
    assert throttled.status_code == 429
    error = throttled.json()["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    [failure] = error["details"][0]["errors"]
    assert failure["details"]["quotaErrorDetails"]["retryDelay"] == "3s"
    unavailable = search(simulator, customer_id, "SELECT customer.id FROM customer", access_token)
    assert (unavailable.status_code, unavailable.json()["error"]["status"]) == (503, "UNAVAILABLE")
    served = search(simulator, customer_id, "SELECT customer.id FROM customer", access_token)
    assert served.json()[0]["results"] == [
        {"customer": {"resourceName": f"customers/{customer_id}", "id": customer_id}}
    ]


@pytest.mark.parametrize(
    ("form", "status_code", "error"),
    [
        ({"client_secret": "guess"}, 401, "invalid_client"),
        ({"refresh_token": "1//revoked"}, 400, "invalid_grant"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        # A code the consent page never issued (tests/simulator/test_consent.py: one it did).
        ({"grant_type": "authorization_code", "code": "4/0Aforged"}, 400, "invalid_grant"),
    ],
)
def test_the_token_endpoint_answers_oauth_errors(
    simulator: SimulatorServer, world: World, form: dict, status_code: int, error: str
) -> None:
    valid = {
        "grant_type": "refresh_token",
        "refresh_token": world.merchants[0].google_refresh_token,
        "client_id": "sim-client-id",
        "client_secret": "sim-client-secret",
    }
    response = httpx.post(f"{simulator.base_url}/google-oauth/token", data={**valid, **form})
    assert response.status_code == status_code
    assert response.json()["error"] == error
    assert response.json()["error_description"]


# -- a manager (MCC) account's hierarchy -------------------------------------------------------


@pytest.fixture(scope="module")
def agency_simulator() -> Iterator[SimulatorServer]:
    """A world whose third merchant runs Google Ads through an agency's manager account."""
    with SimulatorServer(World(seed=7, merchants=3, clock=lambda: NOW)) as server:
        yield server


def refreshed_access_token(simulator: SimulatorServer, refresh_token: str) -> httpx.Response:
    return httpx.post(
        f"{simulator.base_url}/google-oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": "sim-client-id",
            "client_secret": "sim-client-secret",
        },
    )


def test_a_managed_account_is_reached_only_through_its_manager(
    agency_simulator: SimulatorServer,
) -> None:
    world = agency_simulator.world
    plain, managed = world.merchants[0], world.merchants[2]
    manager = managed.google_manager_customer_id
    assert plain.google_manager_customer_id is None and manager is not None
    token = refreshed_access_token(agency_simulator, managed.google_refresh_token).json()[
        "access_token"
    ]
    headers = {"Authorization": f"Bearer {token}", "developer-token": "sim-developer-token"}
    base = f"{agency_simulator.base_url}/google-ads/v18"

    def stream(customer_id: str, query: str, login: str | None) -> httpx.Response:
        return httpx.post(
            f"{base}/customers/{customer_id}/googleAds:searchStream",
            json={"query": query},
            headers={**headers, **({"login-customer-id": login} if login else {})},
        )

    accessible = httpx.get(f"{base}/customers:listAccessibleCustomers", headers=headers)
    assert accessible.json() == {"resourceNames": [f"customers/{manager}"]}
    tree = stream(
        manager,
        "SELECT customer_client.id, customer_client.descriptive_name, customer_client.manager, "
        "customer_client.level, customer_client.currency_code, customer_client.time_zone, "
        "customer_client.status FROM customer_client",
        manager,
    )
    assert [
        (c["id"], c["descriptiveName"], c["manager"], c["level"], c["timeZone"], c["status"])
        for c in (row["customerClient"] for row in tree.json()[0]["results"])
    ] == [
        (manager, managed.google_manager_name, True, "0", managed.timezone, "ENABLED"),
        (managed.google_customer_id, managed.name, False, "1", managed.timezone, "ENABLED"),
    ]
    top_only = stream(
        manager,
        "SELECT customer_client.id FROM customer_client WHERE customer_client.level = 0",
        None,
    )
    assert [row["customerClient"]["id"] for row in top_only.json()[0]["results"]] == [manager]

    report = f"SELECT metrics.cost_micros FROM customer WHERE segments.date = '{DAY.isoformat()}'"
    without_manager = stream(managed.google_customer_id, report, None)
    assert without_manager.status_code == 403
    assert failure_of(without_manager.json()["error"]) == (
        "PERMISSION_DENIED",
        {"authorizationError": "USER_PERMISSION_DENIED"},
    )
    through_manager = stream(managed.google_customer_id, report, manager)
    assert through_manager.status_code == 200
    [[row]] = [batch["results"] for batch in through_manager.json()]
    truth = GoogleAdsWorld.of(world).cost_micros_by_day(managed.google_customer_id, DAY, DAY)
    assert int(row["metrics"]["costMicros"]) == truth[DAY] > 0
    # A manager has no metrics of its own; another user's manager grants nothing.
    on_the_manager = stream(manager, report, manager)
    assert on_the_manager.status_code == 400
    assert failure_of(on_the_manager.json()[0]["error"])[1] == {
        "queryError": "REQUESTED_METRICS_FOR_MANAGER"
    }
    plain_token = refreshed_access_token(agency_simulator, plain.google_refresh_token).json()[
        "access_token"
    ]
    stranger = httpx.post(
        f"{base}/customers/{managed.google_customer_id}/googleAds:searchStream",
        json={"query": report},
        headers={
            "Authorization": f"Bearer {plain_token}",
            "developer-token": "sim-developer-token",
            "login-customer-id": manager,
        },
    )
    assert stranger.status_code == 403


def test_revoking_a_token_ends_its_whole_grant(agency_simulator: SimulatorServer) -> None:
    merchant = agency_simulator.world.merchants[1]
    access = refreshed_access_token(agency_simulator, merchant.google_refresh_token).json()[
        "access_token"
    ]
    revoke = f"{agency_simulator.base_url}/google-oauth/revoke"

    revoked = httpx.post(revoke, params={"token": access})
    again = httpx.post(revoke, data={"token": merchant.google_refresh_token})

    assert (revoked.status_code, revoked.json()) == (200, {})
    assert (again.status_code, again.json()["error"]) == (400, "invalid_token")
    refreshed = refreshed_access_token(agency_simulator, merchant.google_refresh_token)
    assert (refreshed.status_code, refreshed.json()["error"]) == (400, "invalid_grant")
    assert (
        search(
            agency_simulator,
            merchant.google_customer_id,
            "SELECT customer.id FROM customer",
            access,
        ).status_code
        == 401
    )
