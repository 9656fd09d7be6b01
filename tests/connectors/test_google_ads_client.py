"""The Google Ads connector against the simulator over real HTTP on loopback."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest

from orchestration.connectors.google_ads import (
    GoogleAdsAdGroupHour,
    GoogleAdsApiError,
    GoogleAdsCustomer,
)
from orchestration.connectors.http import RequestBudget, RequestBudgetExhausted
from orchestration.connectors.quarantine import MalformedRow
from simulator.google_ads.world import (
    DEFAULT_ACCESS_TOKEN_LIFETIME,
    GoogleAdsWorld,
    RowCorruption,
    StreamFault,
)
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from simulator.world import World
from tests.connectors.google_ads_support import (
    DAY,
    NOW,
    Clock,
    Connection,
    FakeMonotonic,
    connect,
)


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def world(clock: Clock) -> World:
    return World(clock=clock)


@pytest.fixture(scope="module")
def google(world: World) -> GoogleAdsWorld:
    return GoogleAdsWorld.of(world)


@pytest.fixture(autouse=True)
def fresh_knobs(google: GoogleAdsWorld, clock: Clock) -> Iterator[None]:
    yield
    google.faults.clear()
    google.stream_batch_size = 10_000
    google.access_token_lifetime = DEFAULT_ACCESS_TOKEN_LIFETIME
    clock.now = NOW


@pytest.fixture
def merchant(world: World) -> Merchant:
    return world.merchants[0]


def truth(google: GoogleAdsWorld, customer_id: str, *days: date) -> list[tuple[object, ...]]:
    return [
        (
            row.local_date,
            row.ad_group.ad_group_id,
            row.hour,
            row.metrics.cost_micros,
            row.metrics.impressions,
            row.metrics.clicks,
            row.metrics.conversions,
            row.metrics.conversions_value,
        )
        for day in days
        for row in google.ad_group_hours(customer_id, day)
    ]


def observed(records: list[GoogleAdsAdGroupHour]) -> list[tuple[object, ...]]:
    return [
        (
            r.segment_date,
            r.ad_group_id,
            r.segment_hour,
            r.cost_micros,
            r.impressions,
            r.clicks,
            r.conversions,
            r.conversions_value,
        )
        for r in records
    ]


def fetch(connection: Connection, customer_id: str, since: date, until: date) -> list:
    with connection.client as client:
        return list(client.iter_hourly_ad_group_metrics(customer_id, since, until))


def test_customer_settings(server: SimulatorServer, world: World) -> None:
    for merchant in world.merchants:
        with connect(server, merchant).client as client:
            customer = client.get_customer(merchant.google_customer_id)
        assert customer == GoogleAdsCustomer(
            merchant.google_customer_id, merchant.name, merchant.currency, merchant.timezone
        )


def test_hourly_rows_match_the_world_to_the_micro(
    server: SimulatorServer, google: GoogleAdsWorld, merchant: Merchant
) -> None:
    customer_id = merchant.google_customer_id
    google.stream_batch_size = 9
    connection = connect(server, merchant)
    # Google Ads shows customer ids with dashes; the connector accepts them either way.
    records = fetch(connection, "500-000-0001", DAY, DAY + timedelta(days=1))
    expected = truth(google, customer_id, DAY, DAY + timedelta(days=1))
    assert len(expected) > 100
    assert observed(records) == expected
    assert connection.client.usage.pages == -(-len(expected) // 9)
    assert (connection.client.usage.requests, connection.client.usage.retries) == (1, 0)
    assert all(isinstance(r.conversions, Decimal) for r in records)
    assert any(r.conversions % 1 for r in records)
    by_day = google.cost_micros_by_day(customer_id, DAY, DAY + timedelta(days=1))
    for day, cost in by_day.items():
        assert sum(r.cost_micros for r in records if r.segment_date == day) == cost
    groups = {group.ad_group_id: group for group in google.ad_groups(customer_id)}
    for record in records:
        group = groups[record.ad_group_id]
        assert (record.campaign_id, record.campaign_name, record.ad_group_name) == (
            group.campaign_id,
            group.campaign_name,
            group.ad_group_name,
        )
        assert (record.customer_id, record.currency, record.time_zone) == (
            customer_id,
            "USD",
            "America/New_York",
        )


def test_today_stops_at_the_current_pro_rated_hour(
    server: SimulatorServer, google: GoogleAdsWorld, world: World
) -> None:
    berlin = world.merchants[1]
    today, tomorrow = date(2026, 8, 10), date(2026, 8, 11)
    records = fetch(connect(server, berlin), berlin.google_customer_id, today, tomorrow)
    assert observed(records) == truth(google, berlin.google_customer_id, today, tomorrow)
    assert max(r.segment_hour for r in records) == 17
    assert {r.currency for r in records} == {"EUR"}


def test_the_access_token_is_fetched_once_and_reused_until_it_nears_expiry(
    server: SimulatorServer, merchant: Merchant
) -> None:
    refresher_clock = FakeMonotonic()
    connection = connect(server, merchant, refresher_clock=refresher_clock)
    with connection.client as client:
        client.get_customer(merchant.google_customer_id)
        client.get_customer(merchant.google_customer_id)
        assert connection.credentials.refreshes == 1
        refresher_clock.seconds += 3599 - 120
        client.get_customer(merchant.google_customer_id)
        assert connection.credentials.refreshes == 1
        refresher_clock.seconds += 61  # within a minute of the announced expiry
        client.get_customer(merchant.google_customer_id)
        assert connection.credentials.refreshes == 2
        assert (client.usage.requests, client.usage.retries) == (4, 0)


def test_an_access_token_google_expired_is_refreshed_once_and_the_request_retried(
    server: SimulatorServer, google: GoogleAdsWorld, clock: Clock, merchant: Merchant
) -> None:
    connection = connect(server, merchant)
    with connection.client as client:
        client.get_customer(merchant.google_customer_id)
        # Google's clock runs past the token's life while the refresher's does not.
        clock.now = NOW + timedelta(hours=2)
        records = list(client.iter_hourly_ad_group_metrics(merchant.google_customer_id, DAY, DAY))
        assert observed(records) == truth(google, merchant.google_customer_id, DAY)
        assert connection.credentials.refreshes == 2
        assert (client.usage.requests, client.usage.retries) == (3, 1)
    assert connection.sleeps == []


def test_a_token_refused_again_after_refreshing_fails_with_a_reconnect_hint(
    server: SimulatorServer, google: GoogleAdsWorld, merchant: Merchant
) -> None:
    google.access_token_lifetime = timedelta(0)  # every token is born expired
    connection = connect(server, merchant)
    with connection.client as client, pytest.raises(GoogleAdsApiError) as raised:
        client.get_customer(merchant.google_customer_id)
    assert connection.credentials.refreshes == 2
    assert raised.value.status == "UNAUTHENTICATED"
    assert raised.value.error_codes == ("authenticationError.OAUTH_TOKEN_EXPIRED",)
    assert merchant.google_customer_id in str(raised.value)
    assert "reconnect" in str(raised.value)


def test_a_revoked_refresh_token_fails_at_once_with_a_clear_error(
    server: SimulatorServer, merchant: Merchant
) -> None:
    connection = connect(server, merchant, refresh_token="1//revoked")
    with connection.client as client, pytest.raises(GoogleAdsApiError) as raised:
        list(client.iter_hourly_ad_group_metrics(merchant.google_customer_id, DAY, DAY))
    message = str(raised.value)
    assert "invalid_grant" in message
    assert merchant.google_customer_id in message
    assert "reconnect Google Ads" in message
    assert connection.client.usage.requests == 0
    assert connection.sleeps == []


def test_throttling_waits_as_long_as_google_says(
    server: SimulatorServer, google: GoogleAdsWorld, merchant: Merchant
) -> None:
    google.faults.fail_search_stream(2, StreamFault.RESOURCE_EXHAUSTED, retry_delay_seconds=2)
    google.faults.fail_search_stream(1, StreamFault.RESOURCE_EXHAUSTED, retry_delay_seconds=90)
    connection = connect(server, merchant, max_backoff_seconds=30)
    records = fetch(connection, merchant.google_customer_id, DAY, DAY)
    assert observed(records) == truth(google, merchant.google_customer_id, DAY)
    # Google's retryDelay beats the millisecond backoff; the policy's cap beats Google.
    assert connection.sleeps == [2.0, 2.0, 30.0]
    assert (connection.client.usage.requests, connection.client.usage.retries) == (4, 3)


def test_a_storm_of_server_errors_still_completes_without_duplicates(
    server: SimulatorServer, google: GoogleAdsWorld, merchant: Merchant
) -> None:
    google.stream_batch_size = 50
    google.faults.fail_search_stream(3, StreamFault.INTERNAL)
    google.faults.fail_search_stream(2, StreamFault.UNAVAILABLE)
    connection = connect(server, merchant)
    records = fetch(connection, merchant.google_customer_id, DAY, DAY)
    assert observed(records) == truth(google, merchant.google_customer_id, DAY)
    assert len({(r.ad_group_id, r.segment_date, r.segment_hour) for r in records}) == len(records)
    assert connection.client.usage.retries == 5
    assert len(connection.sleeps) == 5
    # Jittered exponential steps from a 1 ms base.
    assert all(0.0005 * 2**n <= wait <= 0.001 * 2**n for n, wait in enumerate(connection.sleeps))


def test_retries_give_up_after_max_retries(
    server: SimulatorServer, google: GoogleAdsWorld, merchant: Merchant
) -> None:
    google.faults.fail_search_stream(3, StreamFault.UNAVAILABLE)
    connection = connect(server, merchant, max_retries=2)
    with pytest.raises(GoogleAdsApiError, match="gave up after 2 retries") as raised:
        fetch(connection, merchant.google_customer_id, DAY, DAY)
    assert raised.value.status == "UNAVAILABLE"
    assert (connection.client.usage.requests, connection.client.usage.retries) == (3, 2)


def test_the_request_budget_caps_retries_too(
    server: SimulatorServer, google: GoogleAdsWorld, merchant: Merchant
) -> None:
    google.faults.fail_search_stream(3, StreamFault.INTERNAL)
    connection = connect(server, merchant, budget=RequestBudget(max_requests=2))
    with pytest.raises(RequestBudgetExhausted, match=merchant.google_customer_id):
        fetch(connection, merchant.google_customer_id, DAY, DAY)
    assert connection.client.usage.requests == 2


def test_malformed_rows_are_quarantined_and_the_stream_goes_on(
    server: SimulatorServer, google: GoogleAdsWorld, merchant: Merchant
) -> None:
    google.stream_batch_size = 40
    google.faults.corrupt_rows(2, RowCorruption.NON_NUMERIC_COST)
    google.faults.corrupt_rows(1, RowCorruption.MISSING_AD_GROUP_ID)
    rows = fetch(connect(server, merchant), merchant.google_customer_id, DAY, DAY)
    malformed = [row for row in rows if isinstance(row, MalformedRow)]
    records = [row for row in rows if isinstance(row, GoogleAdsAdGroupHour)]
    assert [bad.reason for bad in malformed] == [
        "metrics.costMicros: Input should be a valid integer, got 'n/a'",
        "metrics.costMicros: Input should be a valid integer, got 'n/a'",
        "adGroup.id: missing",
    ]
    assert json.loads(malformed[2].payload)["campaign"]["id"]
    # The corrupted rows are the first three served; every other row arrives intact.
    assert observed(records) == truth(google, merchant.google_customer_id, DAY)[3:]


def test_an_unknown_developer_token_fails_at_once_naming_what_to_fix(
    server: SimulatorServer, merchant: Merchant
) -> None:
    connection = connect(server, merchant, developer_token="not-ours")
    with pytest.raises(GoogleAdsApiError) as raised:
        fetch(connection, merchant.google_customer_id, DAY, DAY)
    error = raised.value
    assert (error.http_status, error.status) == (403, "PERMISSION_DENIED")
    assert error.error_codes == ("authorizationError.DEVELOPER_TOKEN_NOT_APPROVED",)
    assert error.request_id and error.request_id in str(error)
    assert merchant.google_customer_id in str(error)
    assert "METRICX_GOOGLE_ADS_DEVELOPER_TOKEN" in str(error)
    assert (connection.client.usage.retries, connection.sleeps) == (0, [])


def test_a_missing_developer_token_is_an_invalid_request(
    server: SimulatorServer, merchant: Merchant
) -> None:
    with pytest.raises(GoogleAdsApiError, match="DEVELOPER_TOKEN_PARAMETER_MISSING") as raised:
        fetch(connect(server, merchant, developer_token=""), merchant.google_customer_id, DAY, DAY)
    assert raised.value.http_status == 400


def test_another_merchants_customer_is_refused_with_a_login_customer_hint(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    other = world.merchants[1].google_customer_id
    with pytest.raises(GoogleAdsApiError) as raised:
        fetch(connect(server, merchant), other, DAY, DAY)
    assert raised.value.error_codes == ("authorizationError.USER_PERMISSION_DENIED",)
    assert other in str(raised.value)
    assert "login_customer_id" in str(raised.value)


def test_transport_timeouts_are_retried_then_reported(
    server: SimulatorServer, merchant: Merchant
) -> None:
    # A socket that accepts connections but never answers: every API request times out.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        host, port = silent.getsockname()[:2]
        connection = connect(
            server, merchant, base_url=f"http://{host}:{port}", max_retries=1, timeout=0.2
        )
        with pytest.raises(GoogleAdsApiError, match=r"customer 5000000001: ReadTimeout"):
            fetch(connection, merchant.google_customer_id, DAY, DAY)
    assert (connection.client.usage.requests, connection.client.usage.retries) == (2, 1)


def test_doubles_become_decimals_from_their_json_digits_only() -> None:
    text = (
        '{"customer": {"currencyCode": "JPY", "timeZone": "Asia/Tokyo"},'
        ' "campaign": {"id": "1", "name": "c"}, "adGroup": {"id": "2", "name": "g"},'
        ' "segments": {"date": "2026-03-29", "hour": 23},'
        ' "metrics": {"costMicros": "9223372036854775807", "impressions": "12", "clicks": "3",'
        ' "conversions": 0.1, "conversionsValue": 1234567.891}}'
    )
    exact = json.loads(text, parse_float=Decimal)
    record = GoogleAdsAdGroupHour.from_row(exact, "3")
    assert record.conversions == Decimal("0.1")
    assert str(record.conversions_value) == "1234567.891"
    assert record.cost_micros == 2**63 - 1
    assert (record.segment_date, record.segment_hour) == (date(2026, 3, 29), 23)
    # A binary float never gets in: parsed the default way, the row is refused.
    with pytest.raises(
        ValueError,
        match=r"metrics\.conversions\n  Input should be a decimal number in digits",
    ):
        GoogleAdsAdGroupHour.from_row(json.loads(text), "3")
    exact["segments"]["hour"] = 24
    with pytest.raises(
        ValueError, match=r"segments\.hour\n  Input should be less than or equal to 23"
    ):
        GoogleAdsAdGroupHour.from_row(exact, "3")
