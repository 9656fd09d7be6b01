"""The shop marts after the shared pipeline run, on DuckDB and PostgreSQL, checked against the
shop world: net revenue per shop-local day to the cent, and new versus returning customers.

A run lands the orders whose latest change (as the world stands, frozen at NOW) falls in one of
the windows it read, so the expectations are built from exactly those orders; a day every one
of whose orders was landed must also match the shop's own net revenue by day.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from decimal import Decimal

from simulator.merchants import Merchant
from simulator.shopify.records import ShopOrder
from simulator.shopify.world import ShopWorld
from tests.pipeline.conftest import PipelineRun


def _landed_range(run: PipelineRun) -> tuple[datetime, datetime]:
    """The windows the run read Shopify orders for (its own and the journey lookback)."""
    rows = run.read(
        "SELECT min(window_start) AS first, max(window_end) AS last FROM raw.landing_log"
        " WHERE source_table = 'shopify_orders'",
    )
    return rows[0]["first"], rows[0]["last"]


def _landed_orders(run: PipelineRun, merchant: Merchant) -> list[ShopOrder]:
    first, last = _landed_range(run)
    return ShopWorld.of(run.world).orders_updated(merchant.shop_domain, first, last)


def _kpis(run: PipelineRun, merchant: Merchant) -> dict[date, dict]:
    rows = run.read(
        "SELECT * FROM marts.fct_shop_kpis_daily WHERE workspace_id = :workspace_id",
        {"workspace_id": run.workspace_ids[merchant.slug]},
    )
    return {row["order_date"]: row for row in rows}


def _local_day(order: ShopOrder, merchant: Merchant) -> date:
    return order.created_at.astimezone(merchant.tz).date()


def test_net_revenue_per_shop_day_matches_the_shop_to_the_cent(pipeline_run: PipelineRun) -> None:
    for merchant in pipeline_run.world.merchants:
        landed = _landed_orders(pipeline_run, merchant)
        expected: dict[date, Decimal] = defaultdict(Decimal)
        for order in landed:
            if order.counts_as_revenue:
                expected[_local_day(order, merchant)] += order.net_revenue
        actual = {
            day: Decimal(row["net_revenue"]) for day, row in _kpis(pipeline_run, merchant).items()
        }
        assert actual == dict(expected), merchant.slug


def test_fully_landed_days_match_the_shops_net_revenue_by_day(pipeline_run: PipelineRun) -> None:
    """A shop-local day that began inside the landed range, none of whose orders placed before
    the range's end changed after it (the world reads on at NOW), is the shop's own net revenue
    of that day as it stood at the range's end."""
    shops = ShopWorld.of(pipeline_run.world)
    start, end = _landed_range(pipeline_run)
    compared = 0
    for merchant in pipeline_run.world.merchants:
        landed_ids = {order.order_id for order in _landed_orders(pipeline_run, merchant)}
        kpis = _kpis(pipeline_run, merchant)
        truth = shops.net_revenue_by_day(merchant.shop_domain, min(kpis), max(kpis), as_of=end)
        placed: dict[date, set[str]] = defaultdict(set)
        for order in shops.orders(merchant.shop_domain, start, end):
            placed[_local_day(order, merchant)].add(order.order_id)
        for day, revenue in truth.items():
            began_in_range = datetime.combine(day, time(0), merchant.tz) >= start
            if began_in_range and placed[day] and placed[day] <= landed_ids:
                assert Decimal(kpis[day]["net_revenue"]) == revenue, (merchant.slug, day)
                compared += 1
    assert compared, "no shop-local day was fully landed by the run"


def test_new_and_returning_customers_match_the_shop(pipeline_run: PipelineRun) -> None:
    for merchant in pipeline_run.world.merchants:
        new: dict[date, set[str]] = defaultdict(set)
        returning: dict[date, set[str]] = defaultdict(set)
        orders: dict[date, int] = defaultdict(int)
        for order in _landed_orders(pipeline_run, merchant):
            if not order.counts_as_revenue or order.customer_id is None:
                continue
            day = _local_day(order, merchant)
            orders[day] += 1
            first_order = order.customer_order_index == 1
            (new if first_order else returning)[day].add(order.customer_id)
        actual = {
            day: (row["orders"], row["new_customers"], row["returning_customers"])
            for day, row in _kpis(pipeline_run, merchant).items()
        }
        expected = {day: (orders[day], len(new[day]), len(returning[day])) for day in orders}
        assert actual == expected, merchant.slug


def test_every_landed_order_once_with_the_shops_customer_index(pipeline_run: PipelineRun) -> None:
    for merchant in pipeline_run.world.merchants:
        rows = pipeline_run.read(
            "SELECT order_id, customer_order_index, is_new_customer, is_test, is_cancelled"
            " FROM marts.fct_orders WHERE workspace_id = :workspace_id",
            {"workspace_id": pipeline_run.workspace_ids[merchant.slug]},
        )
        actual = {
            row["order_id"]: (
                row["customer_order_index"],
                bool(row["is_new_customer"]),
                bool(row["is_test"]),
                bool(row["is_cancelled"]),
            )
            for row in rows
        }
        assert len(actual) == len(rows)
        expected = {
            order.order_id: (
                order.customer_order_index,
                order.customer_order_index == 1,
                order.test,
                order.cancelled_at is not None,
            )
            for order in _landed_orders(pipeline_run, merchant)
        }
        assert actual == expected, merchant.slug


def test_refunds_by_refund_day_are_the_landed_orders_refunds(pipeline_run: PipelineRun) -> None:
    for merchant in pipeline_run.world.merchants:
        rows = pipeline_run.read(
            "SELECT refund_id, order_id, refund_date, amount FROM marts.fct_refunds"
            " WHERE workspace_id = :workspace_id",
            {"workspace_id": pipeline_run.workspace_ids[merchant.slug]},
        )
        actual = {
            row["refund_id"]: (row["order_id"], row["refund_date"], Decimal(row["amount"]))
            for row in rows
        }
        expected = {
            refund.refund_id: (
                order.order_id,
                refund.created_at.astimezone(merchant.tz).date(),
                refund.amount,
            )
            for order in _landed_orders(pipeline_run, merchant)
            for refund in order.refunds
        }
        assert actual == expected, merchant.slug
