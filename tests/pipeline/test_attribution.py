"""Multi-touch attribution marts, on DuckDB and PostgreSQL: credits that add up, revenue that
reconciles with the shop, sessions classified as the simulated storefront's visitors arrived."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from simulator.shopify.records import Channel
from simulator.shopify.sales import sales_events
from simulator.shopify.world import ShopWorld
from tests.helpers import RUN_RANGE
from tests.pipeline.conftest import PipelineRun

CREDIT_TOLERANCE = 1e-9
# The pixel sessions' channels under the world's names for them.
CHANNEL_NAMES = {
    Channel.META: "meta_paid",
    Channel.GOOGLE: "google_paid",
    Channel.ORGANIC_SEARCH: "organic_search",
    Channel.DIRECT: "direct",
    Channel.REFERRAL: "referral",
    Channel.EMAIL: "email",
}


def test_sessions_carry_the_channel_visitors_arrived_through(pipeline_run: PipelineRun) -> None:
    # Visits that began before the replayed range show up from a later page: left out.
    shops = ShopWorld.of(pipeline_run.world)
    for merchant in pipeline_run.world.merchants:
        expected = Counter(
            CHANNEL_NAMES[session.channel]
            for session in shops.sessions(merchant.shop_domain, RUN_RANGE.start, RUN_RANGE.end)
        )
        rows = pipeline_run.read(
            "SELECT channel, count(*) AS sessions FROM intermediate.int_sessions"
            " WHERE workspace_id = :workspace_id AND landing_event_name = 'page_viewed'"
            " GROUP BY channel",
            {"workspace_id": pipeline_run.workspace_ids[merchant.slug]},
        )
        assert {row["channel"]: row["sessions"] for row in rows} == expected, merchant.slug


def test_credits_sum_to_one_per_order_and_model(pipeline_run: PipelineRun) -> None:
    rows = pipeline_run.read(
        "SELECT order_id, attribution_model, sum(credit) AS credits, count(*) AS touchpoints"
        " FROM marts.fct_attribution_credits GROUP BY order_id, attribution_model",
    )
    assert any(row["touchpoints"] > 1 for row in rows), "no multi-touch journey to split"
    for row in rows:
        assert abs(row["credits"] - 1) <= CREDIT_TOLERANCE, row


def test_every_revenue_order_is_credited_under_every_model(pipeline_run: PipelineRun) -> None:
    orders = pipeline_run.read(
        "SELECT count(*) AS orders FROM marts.fct_orders WHERE counts_as_revenue"
    )[0]["orders"]
    rows = pipeline_run.read(
        "SELECT attribution_model, count(DISTINCT order_id) AS orders"
        " FROM marts.fct_attribution_credits GROUP BY attribution_model",
    )
    assert orders > 0
    assert len(rows) == 6
    assert all(row["orders"] == orders for row in rows), rows


def test_attributed_and_unattributed_revenue_add_up_to_the_day(pipeline_run: PipelineRun) -> None:
    """Under every model, a day's credited revenue is the net sales of the orders placed that day
    (each order's sale less its returns so far, as the shop books them), to the cent."""
    net_sales: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for merchant in pipeline_run.world.merchants:
        workspace_id = pipeline_run.workspace_ids[merchant.slug]
        for order in pipeline_run.landed_orders(merchant):
            if order.counts_as_revenue:
                day = order.created_at.astimezone(merchant.tz).date()
                net_sales[(workspace_id, day)] += sum(
                    (event.figures.net_sales for event in sales_events(order)), Decimal(0)
                )
    rows = pipeline_run.read(
        "SELECT workspace_id, date_day, attribution_model,"
        " sum(attributed_revenue_workspace_currency) AS revenue"
        " FROM marts.fct_attributed_performance_daily"
        " GROUP BY workspace_id, date_day, attribution_model",
    )
    credited: dict[tuple, dict[str, Decimal]] = {}
    for row in rows:
        credited.setdefault((row["workspace_id"], row["date_day"]), {})[
            row["attribution_model"]
        ] = row["revenue"]
    assert set(net_sales) <= set(credited)
    for day, by_model in credited.items():
        assert len(by_model) == 6, day
        for model, revenue in by_model.items():
            assert revenue == net_sales.get(day, Decimal("0")), (day, model)


def test_models_split_the_same_attributed_revenue(pipeline_run: PipelineRun) -> None:
    rows = pipeline_run.read(
        "SELECT workspace_id, attribution_model,"
        " sum(attributed_revenue_workspace_currency) AS revenue"
        " FROM marts.fct_attributed_performance_daily WHERE is_attributed"
        " GROUP BY workspace_id, attribution_model",
    )
    by_workspace: dict[str, set[Decimal]] = {}
    for row in rows:
        by_workspace.setdefault(row["workspace_id"], set()).add(row["revenue"])
    assert set(by_workspace) == set(pipeline_run.workspace_ids.values())
    for workspace_id, totals in by_workspace.items():
        assert len(totals) == 1, (workspace_id, totals)
        assert totals.pop() > 0, workspace_id


def test_meta_last_click_revenue_stays_below_what_meta_claims(pipeline_run: PipelineRun) -> None:
    rows = pipeline_run.read(
        "SELECT workspace_id, sum(attributed_revenue_workspace_currency) AS attributed,"
        " sum(platform_conversion_value_workspace_currency) AS claimed"
        " FROM marts.fct_attributed_performance_daily"
        " WHERE attribution_model = 'last_click' AND provider = 'meta_ads'"
        " GROUP BY workspace_id",
    )
    assert {row["workspace_id"] for row in rows} == set(pipeline_run.workspace_ids.values())
    for row in rows:
        assert 0 < row["attributed"] <= row["claimed"], row
