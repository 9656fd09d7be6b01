"""Every error family of the Graph API, injected by the simulator and met over real HTTP:
throttling (and the waits Meta announces), expired tokens, 5xx, timeouts, malformed rows, new
fields, a currency change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from orchestration.connectors.http import RequestBudgetExhausted
from orchestration.connectors.meta_ads import MetaApiError, MetaTokenError
from orchestration.connectors.meta_ads.records import HOURLY_BREAKDOWN
from simulator.merchants import Merchant
from simulator.meta_ads.faults import MetaEndpoint, MetaFault, RowDefect, UsageHeader
from simulator.server import SimulatorServer
from simulator.world import World
from tests.connectors.meta_ads_support import (
    DAY,
    NOW,
    make_client,
    observed,
    only_records,
    split,
    truth,
)

INSIGHTS = MetaEndpoint.INSIGHTS


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


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80000, 80004, 80014])
def test_every_throttling_code_waits_as_long_as_the_business_use_case_header_says(
    server: SimulatorServer, world: World, merchant: Merchant, code: int
) -> None:
    sleeps: list[float] = []
    world.faults.fail_meta(2, MetaFault.THROTTLE, code=code, regain_minutes=1, endpoint=INSIGHTS)
    with make_client(server, merchant, max_backoff_seconds=120, sleep=sleeps.append) as client:
        records = only_records(client.iter_hourly_insights(merchant.meta_account_id, DAY, DAY))
    assert observed(records) == truth(world, merchant.meta_account_id, DAY)
    # estimated_time_to_regain_access is in minutes.
    assert sleeps == [60.0, 60.0]
    assert client.usage.retries == 2


def test_the_ad_account_usage_header_announces_its_wait_in_seconds(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    sleeps: list[float] = []
    world.faults.fail_meta(
        1, MetaFault.THROTTLE, code=80004, regain_minutes=2, usage_header=UsageHeader.AD_ACCOUNT
    )
    with make_client(server, merchant, max_backoff_seconds=300, sleep=sleeps.append) as client:
        client.get_account(merchant.meta_account_id)
    assert sleeps == [120.0]


def test_an_app_at_full_usage_waits_as_long_as_the_policy_allows(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    sleeps: list[float] = []
    world.faults.fail_meta(1, MetaFault.THROTTLE, code=4, usage_header=UsageHeader.APP)
    with make_client(server, merchant, max_backoff_seconds=30, sleep=sleeps.append) as client:
        client.get_account(merchant.meta_account_id)
    assert sleeps == [30.0]


def test_a_throttle_without_a_wait_backs_off_exponentially(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    sleeps: list[float] = []
    world.faults.fail_meta(3, MetaFault.THROTTLE, code=17)
    with make_client(server, merchant, max_backoff_seconds=1, sleep=sleeps.append) as client:
        client.get_account(merchant.meta_account_id)
    # Equal jitter on 1, 2, 4 ms steps: at least half of each step, at most all of it.
    assert len(sleeps) == 3
    for attempt, slept in enumerate(sleeps):
        step = 0.001 * 2**attempt
        assert step / 2 <= slept <= step


def test_a_wait_longer_than_a_sync_may_wait_stops_at_once_for_the_next_run(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    sleeps: list[float] = []
    world.faults.fail_meta(1, MetaFault.THROTTLE, code=80000, regain_minutes=5)
    client = make_client(server, merchant, max_backoff_seconds=60, sleep=sleeps.append)
    with client, pytest.raises(MetaApiError, match=r"wait 300 s.*next run continues") as raised:
        client.get_account(merchant.meta_account_id)
    assert sleeps == []
    assert raised.value.code == 80000
    assert (client.usage.requests, client.usage.retries) == (1, 0)


def test_retries_give_up_after_max_retries(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    world.faults.fail_meta(3, MetaFault.THROTTLE, endpoint=INSIGHTS)
    with make_client(server, merchant, max_retries=2) as client:
        with pytest.raises(MetaApiError, match="gave up after 2 retries") as raised:
            list(client.iter_hourly_insights(merchant.meta_account_id, DAY, DAY))
        assert (client.usage.requests, client.usage.retries) == (3, 2)
    assert raised.value.code == 17


def test_server_errors_are_retried_into_a_complete_duplicate_free_result(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    world.faults.fail_meta(3, MetaFault.SERVER_ERROR, endpoint=INSIGHTS)
    with make_client(server, merchant, page_size=40) as client:
        records = only_records(client.iter_hourly_insights(merchant.meta_account_id, DAY, DAY))
    assert observed(records) == truth(world, merchant.meta_account_id, DAY)
    assert len({(r.ad_id, r.hour_of_day) for r in records}) == len(records)
    assert client.usage.retries == 3
    assert client.usage.requests == client.usage.pages + 3


def test_an_expired_token_asks_the_merchant_to_reconnect_without_retrying(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    world.faults.expire_meta_token(merchant.meta_account_id)
    with make_client(server, merchant) as client:
        with pytest.raises(MetaTokenError) as raised:
            client.get_account(merchant.meta_account_id)
        assert (client.usage.requests, client.usage.retries) == (1, 0)
    assert (raised.value.code, raised.value.subcode) == (190, 463)
    message = str(raised.value)
    assert f"act_{merchant.meta_account_id}" in message
    assert "has expired" in message and "reconnect Meta Ads" in message
    # Only that merchant's token expired.
    other = world.merchants[1]
    with make_client(server, other) as client:
        assert client.get_account(other.meta_account_id).account_id == other.meta_account_id
    world.faults.restore_meta_token(merchant.meta_account_id)
    with make_client(server, merchant) as client:
        client.get_account(merchant.meta_account_id)


def test_requests_held_past_the_timeout_are_retried(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    world.faults.fail_meta(2, MetaFault.TIMEOUT, delay_seconds=0.3, endpoint=INSIGHTS)
    with make_client(server, merchant, timeout=0.1) as client:
        records = only_records(client.iter_hourly_insights(merchant.meta_account_id, DAY, DAY))
    assert observed(records) == truth(world, merchant.meta_account_id, DAY)
    assert client.usage.retries == 2


def test_the_request_budget_caps_one_account_per_sync(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    with make_client(server, merchant, page_size=10, max_requests_per_account=3) as client:
        with pytest.raises(RequestBudgetExhausted, match=f"act_{merchant.meta_account_id}"):
            list(client.iter_hourly_insights(merchant.meta_account_id, DAY, DAY))
        assert client.usage.requests == 3
        # Another account has a budget of its own.
        other = world.merchants[1].meta_account_id
        with pytest.raises(MetaApiError, match="does not exist"):
            client.get_account(other)
        assert client.usage.requests == 4


@pytest.mark.parametrize(
    ("defect", "reason"),
    [
        (
            RowDefect.NON_NUMERIC_SPEND,
            "spend: Input should be a decimal number in digits, got 'n/a'",
        ),
        (RowDefect.MISSING_AD_ID, "ad_id: missing"),
        (
            RowDefect.BAD_HOUR,
            f"{HOURLY_BREAKDOWN}: Input should be an hourly breakdown value like "
            "'13:00:00 - 13:59:59', got '24:00:00 - 24:59:59'",
        ),
        (RowDefect.TRUNCATED, ": missing"),
    ],
)
def test_malformed_rows_come_as_quarantined_rows_and_the_read_goes_on(
    server: SimulatorServer, world: World, merchant: Merchant, defect: RowDefect, reason: str
) -> None:
    world.faults.malform_meta_rows(3, defect)
    with make_client(server, merchant, page_size=40) as client:
        records, malformed = split(client.iter_hourly_insights(merchant.meta_account_id, DAY, DAY))
    expected = truth(world, merchant.meta_account_id, DAY)
    # The first three rows served were damaged; everything after them arrived whole.
    assert observed(records) == expected[3:]
    assert len(malformed) == 3
    for bad in malformed:
        assert reason in bad.reason
        assert json.loads(bad.payload)  # the row as received, kept for inspection


def test_fields_and_action_types_meta_adds_later_are_ignored(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    world.faults.add_unknown_meta_fields()
    with make_client(server, merchant) as client:
        records = only_records(client.iter_hourly_insights(merchant.meta_account_id, DAY, DAY))
        account = client.get_account(merchant.meta_account_id)
    assert observed(records) == truth(world, merchant.meta_account_id, DAY)
    assert account.currency == merchant.currency


def test_after_a_currency_change_every_row_carries_its_own_currency(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    world.faults.change_meta_currency(merchant.meta_account_id, "GBP", DAY)
    before = DAY - timedelta(days=1)
    with make_client(server, merchant) as client:
        records = only_records(client.iter_hourly_insights(merchant.meta_account_id, before, DAY))
        account = client.get_account(merchant.meta_account_id)
    assert observed(records) == truth(world, merchant.meta_account_id, before, DAY)
    assert {r.currency for r in records if r.date_start == before} == {merchant.currency}
    assert {r.currency for r in records if r.date_start == DAY} == {"GBP"}
    assert account.currency == "GBP"
