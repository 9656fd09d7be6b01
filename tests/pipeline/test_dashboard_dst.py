"""The dashboard's figures recomputed without the warehouse's models (issue #12): the Berlin
merchant's workspace (EUR, Europe/Berlin) over the night summer time ends, 2026-10-25 (01:00
UTC; that local day has 25 hours), its spend, net revenue, orders and top campaigns to the cent.

- Spend and top campaigns come from the raw landing tables alone (tests.pipeline.workspace_days:
  each (connection, account day)'s latest capture, each hour on the Berlin day its UTC start
  falls in). The demo ad accounts bill in EUR in Europe/Berlin, like the workspace: no currency
  conversion is involved, which `latest_hourly_delivery` asserts.
- Net revenue and orders come from the simulator's own records of the orders the run landed:
  the net sales Shopify's Sales report books on each Berlin day (`sales_events`), and the orders
  created that day that are neither test nor cancelled (what fct_orders.counts_as_revenue says).

The run is a pipeline run of its own over twelve hours around the change (the platforms report
an hour a while after it ends), on a world whose clock stands just after them, so the 24th and
the 25th both have landed hours, the 25th before and after the change. On both backends: each
run costs about a minute.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from dagster import DagsterInstance

from orchestration.definitions import build_definitions
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from simulator.shopify.sales import sales_events
from simulator.world import World
from stack.demo import DemoRange, replay_pixel_traffic, run_pipeline, seed_demo_workspaces
from tests.helpers import make_settings, serve
from tests.pipeline.conftest import PipelineRun
from tests.pipeline.workspace_days import hour_spend, latest_hourly_delivery

BERLIN = ZoneInfo("Europe/Berlin")
SUMMER_TIME_ENDS = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
DST_RANGE = DemoRange(
    datetime(2026, 10, 24, 20, 0, tzinfo=UTC), datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
)
DST_NOW = DST_RANGE.end + timedelta(minutes=7)
FIRST_DAY, CHANGE_DAY = date(2026, 10, 24), date(2026, 10, 25)
CENT = Decimal("0.01")
TOP_CAMPAIGNS = 10


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def dst_run(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    warehouse_url_for: Callable[[str], str],
) -> Iterator[PipelineRun]:
    """A world of its own, frozen just after DST_RANGE, served by a simulator of its own, and
    the pipeline run over the range on each backend (the session's world and run stay
    untouched)."""
    world = World(seed=7, merchants=2, clock=lambda: DST_NOW)
    with SimulatorServer(world) as simulator:
        settings = make_settings(
            warehouse_url=warehouse_url_for(request.param),
            app_database_url=f"sqlite:///{tmp_path_factory.mktemp('dst_appdb') / 'app.db'}",
            simulator_url=simulator.base_url,
        )
        workspace_ids = seed_demo_workspaces(settings, world)
        replay_pixel_traffic(settings, world, DST_RANGE)
        definitions = build_definitions(settings)
        with DagsterInstance.ephemeral() as instance:
            succeeded = run_pipeline(definitions, instance, DST_RANGE).success
            yield PipelineRun(
                backend=request.param,
                settings=settings,
                definitions=definitions,
                instance=instance,
                workspace_ids=workspace_ids,
                world=world,
                simulator_url=simulator.base_url,
                succeeded=succeeded,
            )


def _berlin_merchant(run: PipelineRun) -> Merchant:
    merchant = next(m for m in run.world.merchants if m.timezone == "Europe/Berlin")
    assert merchant.currency == "EUR"
    return merchant


async def _dashboard(run: PipelineRun, merchant: Merchant, first: date, last: date) -> Any:
    token = httpx.post(
        f"{run.simulator_url}/clerk/v1/sessions/{merchant.clerk_session_id}/tokens",
        params={"expires_in_seconds": 600},
    )
    token.raise_for_status()
    async with serve(run.settings) as client:
        response = await client.get(
            f"/v1/workspaces/{run.workspace_ids[merchant.slug]}/dashboard",
            params={"range": "custom", "from": str(first), "to": str(last)},
            headers={"Authorization": f"Bearer {token.json()['jwt']}"},
        )
    assert response.status_code == 200, response.text
    return response.json()


class Expected:
    """The figures of Berlin days, from the raw landings and the simulator's orders."""

    def __init__(self, run: PipelineRun, merchant: Merchant) -> None:
        self.spend: dict[date, Decimal] = defaultdict(Decimal)
        self.campaign_spend: dict[date, dict[str, Decimal]] = defaultdict(
            lambda: defaultdict(Decimal)
        )
        self.hour_starts: set[datetime] = set()
        for hour_start, row in latest_hourly_delivery(
            run.settings.warehouse_url, run.workspace_ids[merchant.slug]
        ):
            assert row["timezone"] == "Europe/Berlin"
            day = hour_start.astimezone(BERLIN).date()
            self.spend[day] += hour_spend(row)
            self.campaign_spend[day][row["campaign_id"]] += hour_spend(row)
            self.hour_starts.add(hour_start)
        self.net_revenue: dict[date, Decimal] = defaultdict(Decimal)
        self.orders: dict[date, int] = defaultdict(int)
        for order in run.landed_orders(merchant):
            for event in sales_events(order):
                self.net_revenue[event.at.astimezone(BERLIN).date()] += event.figures.net_sales
            if order.counts_as_revenue:
                self.orders[order.created_at.astimezone(BERLIN).date()] += 1

    def top_campaigns(self, days: list[date]) -> list[tuple[str, Decimal]]:
        spend: dict[str, Decimal] = defaultdict(Decimal)
        for day in days:
            for campaign, amount in self.campaign_spend[day].items():
                spend[campaign] += amount
        ranked = sorted(spend, key=lambda campaign: (-spend[campaign], campaign))
        return [(campaign, _cents(spend[campaign])) for campaign in ranked[:TOP_CAMPAIGNS]]


@pytest.fixture(scope="module")
def expected(dst_run: PipelineRun) -> Expected:
    assert dst_run.succeeded
    return Expected(dst_run, _berlin_merchant(dst_run))


def test_the_run_landed_both_days_and_both_sides_of_the_change(expected: Expected) -> None:
    """Otherwise the comparisons below would prove little about the change."""
    berlin_days = {start.astimezone(BERLIN).date() for start in expected.hour_starts}
    assert {FIRST_DAY, CHANGE_DAY} <= berlin_days
    change_day_hours = {
        start for start in expected.hour_starts if start.astimezone(BERLIN).date() == CHANGE_DAY
    }
    assert min(change_day_hours) < SUMMER_TIME_ENDS < max(change_day_hours)
    assert all(expected.spend[day] > 0 for day in (FIRST_DAY, CHANGE_DAY))
    assert sum(expected.orders.values()) > 0
    assert sum(expected.net_revenue.values()) > 0


@pytest.mark.parametrize(
    ("first", "last"),
    [(FIRST_DAY, CHANGE_DAY), (FIRST_DAY, FIRST_DAY), (CHANGE_DAY, CHANGE_DAY)],
    ids=["both-days", "first-day", "change-day"],
)
def test_dashboard_matches_the_landings_and_the_shop_to_the_cent(
    dst_run: PipelineRun, expected: Expected, first: date, last: date
) -> None:
    dashboard = asyncio.run(_dashboard(dst_run, _berlin_merchant(dst_run), first, last))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    kpis = dashboard["kpis"]
    assert dashboard["meta"]["period"] == {"start": str(first), "end": str(last)}
    assert Decimal(kpis["spend"]["value"]) == _cents(sum(expected.spend[day] for day in days))
    assert Decimal(kpis["net_revenue"]["value"]) == _cents(
        sum(expected.net_revenue[day] for day in days)
    )
    # Counts are served as decimal strings (platform conversions can be fractional).
    assert Decimal(kpis["orders"]["value"]) == sum(expected.orders[day] for day in days)
    assert [
        (campaign["campaign_id"], Decimal(campaign["spend"]))
        for campaign in dashboard["top_campaigns"]
    ] == expected.top_campaigns(days)


def test_the_change_day_chart_has_25_hours_of_windows(
    dst_run: PipelineRun, expected: Expected
) -> None:
    """100 fifteen-minute windows from Berlin midnight to Berlin midnight, the last of them the
    day's whole spend and net revenue."""
    dashboard = asyncio.run(_dashboard(dst_run, _berlin_merchant(dst_run), CHANGE_DAY, CHANGE_DAY))
    chart = dashboard["chart"]
    assert chart["granularity"] == "15m"
    total = chart["series"][-1]
    assert total["provider"] == "total"
    ends = [datetime.fromisoformat(point["at"]) for point in total["points"]]
    assert len(ends) == 100
    assert all(b - a == timedelta(minutes=15) for a, b in itertools.pairwise(ends))
    assert ends[0] == datetime.combine(CHANGE_DAY, time(), BERLIN) + timedelta(minutes=15)
    assert ends[-1] == datetime.combine(CHANGE_DAY + timedelta(days=1), time(), BERLIN)
    assert Decimal(total["points"][-1]["spend"]) == _cents(expected.spend[CHANGE_DAY])
    assert Decimal(total["points"][-1]["revenue"]) == _cents(expected.net_revenue[CHANGE_DAY])
