"""The Meta connector against the simulator over real HTTP on loopback: reads, paging, purchases,
authentication. Error families live in test_meta_ads_errors.py."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal

import httpx
import pytest

from orchestration.connectors.http import RetryPolicy
from orchestration.connectors.meta_ads import (
    MetaAdAccount,
    MetaAdInsightHour,
    MetaAdsClient,
    MetaApiError,
    MetaTokenError,
)
from orchestration.connectors.meta_ads.client import INSIGHTS_FIELDS
from orchestration.connectors.meta_ads.records import HOURLY_BREAKDOWN
from simulator.merchants import Merchant
from simulator.meta_ads.insights import PURCHASE_ACTION_TYPES
from simulator.server import SimulatorServer
from simulator.world import World
from tests.connectors.meta_ads_support import (
    API_VERSION,
    DAY,
    NOW,
    make_client,
    observed,
    only_records,
    truth,
)


@pytest.fixture(scope="module")
def world() -> World:
    return World(clock=lambda: NOW)


@pytest.fixture(autouse=True)
def no_leftover_faults(world: World) -> Iterator[None]:
    yield
    world.faults.clear()


@pytest.fixture
def merchant(world: World) -> Merchant:
    return world.merchants[0]


def test_account_lookup(server: SimulatorServer, world: World) -> None:
    for merchant in world.merchants:
        with make_client(server, merchant) as client:
            account = client.get_account(merchant.meta_account_id)
            assert client.get_account(f"act_{merchant.meta_account_id}") == account
        assert account == MetaAdAccount(
            merchant.meta_account_id, merchant.name, merchant.currency, merchant.timezone
        )


def test_pages_through_one_day_matching_the_world_to_the_cent(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    with make_client(server, merchant, page_size=7) as client:
        records = only_records(client.iter_hourly_insights(merchant.meta_account_id, DAY, DAY))
    expected = truth(world, merchant.meta_account_id, DAY)
    assert len(expected) > 50
    assert observed(records) == expected
    assert client.usage.pages == -(-len(expected) // 7)
    assert client.usage.requests == client.usage.pages
    assert client.usage.retries == 0
    total = sum((r.spend for r in records), Decimal(0))
    assert total == world.meta.spend_by_day(merchant.meta_account_id, DAY, DAY)[DAY]
    ads = {ad.ad_id: ad for ad in world.meta.ads(merchant.meta_account_id)}
    for record in records:
        ad = ads[record.ad_id]
        assert (record.campaign_id, record.campaign_name) == (ad.campaign_id, ad.campaign_name)
        assert (record.adset_id, record.adset_name, record.ad_name) == (
            ad.adset_id,
            ad.adset_name,
            ad.ad_name,
        )
        assert (record.account_id, record.currency) == (merchant.meta_account_id, "USD")


def test_a_range_up_to_tomorrow_stops_at_the_current_pro_rated_hour(
    server: SimulatorServer, world: World
) -> None:
    berlin = world.merchants[1]
    since, today, tomorrow = date(2026, 8, 8), date(2026, 8, 10), date(2026, 8, 11)
    with make_client(server, berlin, page_size=50) as client:
        records = only_records(client.iter_hourly_insights(berlin.meta_account_id, since, tomorrow))
    assert observed(records) == truth(
        world, berlin.meta_account_id, since, date(2026, 8, 9), today, tomorrow
    )
    assert {r.currency for r in records} == {"EUR"}
    assert max(r.hour_of_day for r in records if r.date_start == today) == 17
    assert not [r for r in records if r.date_start == tomorrow]
    by_day = world.meta.spend_by_day(berlin.meta_account_id, since, tomorrow)
    for day, spend in by_day.items():
        assert sum((r.spend for r in records if r.date_start == day), Decimal(0)) == spend


def test_the_canonical_purchase_action_is_counted_once(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    """Meta reports one purchase under three action types; whichever one a connection is
    configured to read, the count is the world's, never the sum of the aliases."""
    delivered = {
        (row.ad.ad_id, row.hour_of_day): row.delivery
        for row in world.meta.ad_hours(merchant.meta_account_id, DAY)
    }
    assert sum(d.purchases for d in delivered.values()) > 0
    for action_type in PURCHASE_ACTION_TYPES:
        with make_client(server, merchant, purchase_action_type=action_type) as client:
            records = only_records(client.iter_hourly_insights(merchant.meta_account_id, DAY, DAY))
        assert len(records) == len(delivered)
        for record in records:
            truth_hour = delivered[(record.ad_id, record.hour_of_day)]
            assert record.purchases == truth_hour.purchases
            assert record.purchase_value == truth_hour.purchase_value
        assert sum(r.purchases for r in records) == sum(d.purchases for d in delivered.values())


def test_the_token_travels_in_the_authorization_header_not_the_url(
    server: SimulatorServer, merchant: Merchant
) -> None:
    seen: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [seen.append]}) as http:
        client = MetaAdsClient(
            f"{server.base_url}/meta", API_VERSION, merchant.meta_access_token, http=http
        )
        client.get_account(merchant.meta_account_id)
        only_records(client.iter_hourly_insights(merchant.meta_account_id, DAY, DAY))
    assert len(seen) == 2
    for request in seen:
        assert request.headers["Authorization"] == f"Bearer {merchant.meta_access_token}"
        assert merchant.meta_access_token not in str(request.url)


def test_a_wrong_token_fails_at_once_with_code_190(
    server: SimulatorServer, merchant: Merchant
) -> None:
    impostor = replace(merchant, meta_access_token="EAAnot-a-token")
    with make_client(server, impostor) as client:
        with pytest.raises(MetaTokenError) as raised:
            list(client.iter_hourly_insights(merchant.meta_account_id, DAY, DAY))
        assert client.usage.retries == 0
    assert raised.value.code == 190
    assert f"act_{merchant.meta_account_id}" in str(raised.value)
    assert "reconnect" in str(raised.value)
    assert raised.value.fbtrace_id


def test_another_merchants_account_is_not_found(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    other = world.merchants[1].meta_account_id
    with make_client(server, merchant) as client, pytest.raises(MetaApiError) as raised:
        client.get_account(other)
    assert (raised.value.code, raised.value.subcode) == (100, 33)
    assert f"act_{other}" in str(raised.value)
    assert client.usage.retries == 0


def test_transport_timeouts_are_retried_then_reported() -> None:
    # A socket that accepts connections but never answers: every request times out.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        host, port = silent.getsockname()[:2]
        client = MetaAdsClient(
            f"http://{host}:{port}",
            API_VERSION,
            "EAAtoken",
            timeout=0.2,
            retry=RetryPolicy(max_retries=1, backoff_base_seconds=0.001),
        )
        with client, pytest.raises(MetaApiError, match=r"act_42: ReadTimeout") as raised:
            client.get_account("42")
    assert raised.value.code is None
    assert (client.usage.requests, client.usage.retries) == (2, 1)


def test_numbers_arrive_as_strings_and_parse_exactly(
    server: SimulatorServer, merchant: Merchant
) -> None:
    # The token as a parameter, which Graph (and so the simulator) accepts too.
    response = httpx.get(
        f"{server.base_url}/meta/{API_VERSION}/act_{merchant.meta_account_id}/insights",
        params={
            "access_token": merchant.meta_access_token,
            "level": "ad",
            "fields": ",".join(INSIGHTS_FIELDS),
            "time_range": json.dumps({"since": DAY.isoformat(), "until": DAY.isoformat()}),
            "time_increment": "1",
            "breakdowns": HOURLY_BREAKDOWN,
            "limit": "500",
        },
    )
    assert response.status_code == 200
    rows = response.json()["data"]
    assert "paging" in response.json() and "next" not in response.json()["paging"]
    with_purchases = [row for row in rows if "action_values" in row]
    assert with_purchases
    for row in rows:
        assert all(isinstance(row[f], str) for f in ("spend", "impressions", "inline_link_clicks"))
        record = MetaAdInsightHour.from_graph(row, "omni_purchase")
        assert record.spend == Decimal(row["spend"])
        assert str(record.spend) == row["spend"]
        assert record.impressions == int(row["impressions"])
    for row in with_purchases:
        values = {a["action_type"]: a["value"] for a in row["action_values"]}
        assert set(values) == set(PURCHASE_ACTION_TYPES)
        assert len(set(values.values())) == 1
        assert (
            str(MetaAdInsightHour.from_graph(row, "purchase").purchase_value) == values["purchase"]
        )


def test_meta_rows_with_fractional_and_large_values_parse_without_loss() -> None:
    row = {
        "account_id": "1",
        "campaign_id": "2",
        "campaign_name": "c",
        "adset_id": "3",
        "adset_name": "s",
        "ad_id": "4",
        "ad_name": "a",
        "spend": "1234567.89",
        "impressions": "987654321",
        "inline_link_clicks": "12",
        "actions": [
            {"action_type": "link_click", "value": "12"},
            {"action_type": "omni_purchase", "value": "1.5"},
            {"action_type": "purchase", "value": "1.5"},
        ],
        "action_values": [{"action_type": "omni_purchase", "value": "0.10"}],
        "account_currency": "JPY",
        "date_start": "2026-03-29",
        "date_stop": "2026-03-29",
        HOURLY_BREAKDOWN: "23:00:00 - 23:59:59",
    }
    record = MetaAdInsightHour.from_graph(row, "omni_purchase")
    assert record.spend == Decimal("1234567.89")
    assert record.purchases == Decimal("1.5")
    assert str(record.purchase_value) == "0.10"
    assert (record.date_start, record.hour_of_day) == (date(2026, 3, 29), 23)
    assert MetaAdInsightHour.from_graph(row, "offsite_conversion.fb_pixel_purchase").purchases == 0
    with pytest.raises(ValueError, match="hourly breakdown"):
        MetaAdInsightHour.from_graph({**row, HOURLY_BREAKDOWN: "23:00:00 - 00:59:59"}, "purchase")
    with pytest.raises(ValueError, match="spend\n  Input should be a decimal number in digits"):
        MetaAdInsightHour.from_graph({**row, "spend": "NaN"}, "purchase")
