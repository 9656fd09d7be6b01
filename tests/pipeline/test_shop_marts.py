"""The shop marts after the shared pipeline run, on DuckDB and PostgreSQL, checked against the
shop world: the sales figures of Shopify's reports per shop-local day to the cent, every sales
event, new versus returning customers, orders and refunds.

A run lands the orders whose latest change (as the world stands, frozen at NOW) falls in one of
the windows it read, so the expectations are built from exactly those orders, with the
simulated Shopify's own booking of their sales (`simulator.shopify.sales`); a day all of whose
sales events belong to landed orders must also be the shop's own Sales report of that day.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from simulator.merchants import Merchant
from simulator.shopify.orders import ORDER_UPDATE_HORIZON
from simulator.shopify.records import ShopOrder
from simulator.shopify.sales import SalesFigures, sales_events
from simulator.shopify.world import ShopWorld
from tests.pipeline.conftest import PipelineRun

FIGURES = (
    "gross_sales",
    "discounts",
    "returns",
    "net_sales",
    "shipping",
    "taxes",
    "total_sales",
)


def _kpis(run: PipelineRun, merchant: Merchant) -> dict[date, dict]:
    rows = run.read(
        "SELECT * FROM marts.fct_shop_kpis_daily WHERE workspace_id = :workspace_id",
        {"workspace_id": run.workspace_ids[merchant.slug]},
    )
    # The demo workspaces report in their shops' currencies: the figures need no conversion.
    assert {row["workspace_currency"] for row in rows} == {merchant.currency}
    return {row["date_day"]: row for row in rows}


def _local_day(order: ShopOrder, merchant: Merchant) -> date:
    return order.created_at.astimezone(merchant.tz).date()


def _figures(figures: SalesFigures) -> tuple[Decimal, ...]:
    return tuple(getattr(figures, name) for name in FIGURES)


def _row_figures(row: dict, suffix: str = "") -> tuple[Decimal, ...]:
    return tuple(Decimal(row[f"{name}{suffix}"]) for name in FIGURES)


def test_sales_per_shop_day_match_the_shop_to_the_cent(pipeline_run: PipelineRun) -> None:
    """Each day's gross sales, discounts, returns, net sales, shipping, taxes and total sales:
    the landed orders' sales on the days they were processed, their refunds' returns on the
    days of the refunds, cancellations on the days of cancelling; VAT taken out for the Berlin
    shop, tax on top for the New York one."""
    for merchant in pipeline_run.world.merchants:
        expected: dict[date, SalesFigures] = defaultdict(SalesFigures)
        for order in pipeline_run.landed_orders(merchant):
            for event in sales_events(order):
                expected[event.at.astimezone(merchant.tz).date()] += event.figures
        actual = {day: _row_figures(row) for day, row in _kpis(pipeline_run, merchant).items()}
        assert actual == {day: _figures(figures) for day, figures in expected.items()}, (
            merchant.slug
        )
        landed = sum(expected.values(), SalesFigures())
        assert landed.returns > 0 and landed.discounts > 0, merchant.slug
        assert landed.net_sales < landed.total_sales, merchant.slug


def test_every_sales_event_is_the_shops_to_the_cent(pipeline_run: PipelineRun) -> None:
    for merchant in pipeline_run.world.merchants:
        rows = pipeline_run.read(
            "SELECT * FROM marts.fct_sales WHERE workspace_id = :workspace_id",
            {"workspace_id": pipeline_run.workspace_ids[merchant.slug]},
        )
        actual = {row["sales_event_id"]: (row["sales_date"], _row_figures(row)) for row in rows}
        expected = {
            f"{event.kind}:{event.refund_id or order.order_id}": (
                event.at.astimezone(merchant.tz).date(),
                _figures(event.figures),
            )
            for order in pipeline_run.landed_orders(merchant)
            for event in sales_events(order)
        }
        assert actual == expected, merchant.slug
        assert {row["event_type"] for row in rows} == {"sale", "return", "cancellation"}
        assert all(row["breakdown_complete"] for row in rows)
        # The demo workspaces report in their shops' currencies, at a rate of 1.
        assert all(_row_figures(row, "_workspace_currency") == _row_figures(row) for row in rows)


def test_fully_landed_days_are_the_shops_sales_report(pipeline_run: PipelineRun) -> None:
    """A shop-local day all of whose sales events (as of the landed range's end) belong to
    orders the run landed is the shop's own Sales report of that day at that moment."""
    shops = ShopWorld.of(pipeline_run.world)
    _, end = pipeline_run.landed_range()
    compared = 0
    for merchant in pipeline_run.world.merchants:
        landed = {order.order_id for order in pipeline_run.landed_orders(merchant)}
        kpis = _kpis(pipeline_run, merchant)
        first, last = min(kpis), max(kpis)
        report = shops.sales_by_day(merchant.shop_domain, first, last, as_of=end)
        start = datetime.combine(first, time(0), merchant.tz)
        stop = datetime.combine(last + timedelta(days=1), time(0), merchant.tz)
        booked: dict[date, set[str]] = defaultdict(set)
        for order in shops.orders(
            merchant.shop_domain, start - ORDER_UPDATE_HORIZON, stop, as_of=end
        ):
            for event in sales_events(order):
                if start <= event.at < stop:
                    booked[event.at.astimezone(merchant.tz).date()].add(order.order_id)
        for day, figures in report.items():
            if booked[day] and booked[day] <= landed:
                assert _row_figures(kpis[day]) == _figures(figures), (merchant.slug, day)
                compared += 1
    assert compared, "no shop-local day was fully landed by the run"


def test_new_and_returning_customers_match_the_shop(pipeline_run: PipelineRun) -> None:
    for merchant in pipeline_run.world.merchants:
        new: dict[date, set[str]] = defaultdict(set)
        returning: dict[date, set[str]] = defaultdict(set)
        orders: dict[date, int] = defaultdict(int)
        for order in pipeline_run.landed_orders(merchant):
            if not order.counts_as_revenue or order.customer_id is None:
                continue
            day = _local_day(order, merchant)
            orders[day] += 1
            first_order = order.customer_order_index == 1
            (new if first_order else returning)[day].add(order.customer_id)
        kpis = _kpis(pipeline_run, merchant)
        actual = {
            day: (row["orders"], row["new_customers"], row["returning_customers"])
            for day, row in kpis.items()
            if row["orders"]
        }
        expected = {day: (orders[day], len(new[day]), len(returning[day])) for day in orders}
        assert actual == expected, merchant.slug
        # Days with sales events (returns, cancellations) but no order placed count none.
        assert all(
            (row["new_customers"], row["returning_customers"]) == (0, 0)
            for row in kpis.values()
            if not row["orders"]
        )


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
            for order in pipeline_run.landed_orders(merchant)
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
            for order in pipeline_run.landed_orders(merchant)
            for refund in order.refunds
        }
        assert actual == expected, merchant.slug
