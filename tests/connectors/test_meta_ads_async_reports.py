"""Large ranges through async report runs: created, polled, paged, and failing clearly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from orchestration.connectors.meta_ads import MetaReportRunError
from simulator.merchants import Merchant
from simulator.meta_ads.faults import MetaEndpoint, MetaFault, ReportRunEnd
from simulator.meta_ads.report_runs import PROGRESS
from simulator.server import SimulatorServer
from simulator.world import World
from tests.connectors.meta_ads_support import (
    NOW,
    Clock,
    make_client,
    observed,
    only_records,
    truth,
)

SINCE, UNTIL = date(2026, 7, 30), date(2026, 8, 9)  # 11 days: above the 7-day threshold
DAYS = [SINCE + timedelta(days=n) for n in range((UNTIL - SINCE).days + 1)]


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def world(clock: Clock) -> World:
    return World(clock=clock)


@pytest.fixture(autouse=True)
def fresh_knobs(world: World, clock: Clock) -> Iterator[None]:
    yield
    world.faults.clear()
    clock.now = NOW


@pytest.fixture
def merchant(world: World) -> Merchant:
    return world.merchants[0]


def test_a_long_range_goes_through_a_report_run_and_pages_its_rows(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    sleeps: list[float] = []
    with make_client(
        server, merchant, page_size=300, sleep=sleeps.append, report_poll_seconds=2.5
    ) as client:
        records = only_records(client.iter_hourly_insights(merchant.meta_account_id, SINCE, UNTIL))
    expected = truth(world, merchant.meta_account_id, *DAYS)
    assert observed(records) == expected
    # One creation, one poll per progress step plus the completing one, then the pages.
    pages = -(-len(expected) // 300)
    assert client.usage.pages == pages
    assert client.usage.requests == 1 + len(PROGRESS) + 1 + pages
    assert sleeps == [2.5] * len(PROGRESS)


def test_ranges_up_to_the_threshold_stay_synchronous(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    since = UNTIL - timedelta(days=6)
    with make_client(server, merchant, sleep=lambda _s: pytest.fail("no polling")) as client:
        records = only_records(client.iter_hourly_insights(merchant.meta_account_id, since, UNTIL))
    assert client.usage.requests == client.usage.pages
    assert len(records) == len(truth(world, merchant.meta_account_id, *DAYS[-7:]))


def test_a_report_run_holds_the_figures_of_when_it_was_created(
    server: SimulatorServer, world: World, clock: Clock, merchant: Merchant
) -> None:
    created_at = clock.now

    def later(_seconds: float) -> None:
        # The world moves on while the run is polled; late purchases keep arriving.
        clock.now += timedelta(days=2)

    with make_client(server, merchant, sleep=later) as client:
        records = only_records(client.iter_hourly_insights(merchant.meta_account_id, SINCE, UNTIL))
    assert observed(records) == truth(world, merchant.meta_account_id, *DAYS, as_of=created_at)
    assert observed(records) != truth(world, merchant.meta_account_id, *DAYS)


@pytest.mark.parametrize("end", list(ReportRunEnd))
def test_a_report_run_that_ends_without_data_fails_clearly(
    server: SimulatorServer, world: World, merchant: Merchant, end: ReportRunEnd
) -> None:
    world.faults.end_meta_report_runs(1, end)
    with make_client(server, merchant) as client, pytest.raises(MetaReportRunError) as raised:
        list(client.iter_hourly_insights(merchant.meta_account_id, SINCE, UNTIL))
    message = str(raised.value)
    assert f"act_{merchant.meta_account_id}" in message
    assert f"{SINCE}..{UNTIL}" in message
    assert f"ended with '{end.value}'" in message
    assert "next run" in message


def test_a_report_run_that_never_completes_gives_up_after_max_polls(
    server: SimulatorServer, merchant: Merchant
) -> None:
    # Fewer polls than the simulator's run needs to complete.
    client = make_client(server, merchant, report_max_polls=len(PROGRESS) - 1)
    with (
        client,
        pytest.raises(
            MetaReportRunError, match=f"did not complete after {len(PROGRESS) - 1} polls"
        ),
    ):
        list(client.iter_hourly_insights(merchant.meta_account_id, SINCE, UNTIL))


def test_polls_and_result_pages_survive_throttles_and_server_errors(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    world.faults.fail_meta(2, MetaFault.THROTTLE, endpoint=MetaEndpoint.INSIGHTS)
    world.faults.fail_meta(2, MetaFault.SERVER_ERROR, endpoint=MetaEndpoint.INSIGHTS)
    world.faults.fail_meta(1, MetaFault.THROTTLE, code=80004, endpoint=MetaEndpoint.INSIGHTS)
    with make_client(server, merchant, page_size=500) as client:
        records = only_records(client.iter_hourly_insights(merchant.meta_account_id, SINCE, UNTIL))
    assert observed(records) == truth(world, merchant.meta_account_id, *DAYS)
    assert client.usage.retries == 5
