"""The Admin API's `orders` connection answers Shopify's documented arguments, not only the ones
our connector sends: search terms on created_at (and the rest of the search syntax), the
default sort key (ID) and other sort keys, checked over plain HTTP against the shops' truth."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from metricx.settings import Settings
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from simulator.shopify.orders_query import DEFAULT_ORDER_ACCESS
from simulator.shopify.records import ShopOrder, order_number
from simulator.shopify.world import ShopWorld
from simulator.world import World

# 03:07 in New York (demo-1).
NOW = datetime(2026, 11, 20, 8, 7, tzinfo=UTC)
API_VERSION = Settings.model_fields["shopify_api_version"].default
ORDERS_PAGE = """
query Orders($first: Int!, $after: String, $query: String, $sortKey: OrderSortKeys,
             $reverse: Boolean) {
  orders(first: $first, after: $after, query: $query, sortKey: $sortKey, reverse: $reverse) {
    edges { cursor node { id createdAt updatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.fixture(scope="module")
def world() -> World:
    return World(clock=lambda: NOW)


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(world) as running:
        yield running


@pytest.fixture(scope="module")
def merchant(world: World) -> Merchant:
    return world.merchants[0]


@pytest.fixture(scope="module")
def shops(world: World) -> ShopWorld:
    return ShopWorld.of(world)


def post(server: SimulatorServer, merchant: Merchant, document: str, **variables: Any) -> Any:
    response = httpx.post(
        f"{server.base_url}/shopify/{merchant.shop_domain}/admin/api/{API_VERSION}/graphql.json",
        json={"query": document, "variables": variables},
        headers={"X-Shopify-Access-Token": merchant.shopify_access_token},
        timeout=30,
    )
    assert response.status_code == 200
    return response.json()


def all_order_ids(
    server: SimulatorServer, merchant: Merchant, page_size: int = 25, **arguments: Any
) -> list[str]:
    """Every order id the query answers, page by page through the cursors."""
    ids: list[str] = []
    after = None
    while True:
        answer = post(server, merchant, ORDERS_PAGE, first=page_size, after=after, **arguments)
        assert "errors" not in answer, answer["errors"]
        orders = answer["data"]["orders"]
        ids += [edge["node"]["id"] for edge in orders["edges"]]
        if not orders["pageInfo"]["hasNextPage"]:
            return ids
        after = orders["pageInfo"]["endCursor"]


def local_midnight(merchant: Merchant, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=merchant.tz)


def by_id(orders: list[ShopOrder]) -> list[str]:
    return [order.order_id for order in sorted(orders, key=order_number)]


def test_created_at_bounds_without_a_sort_key_answer_in_id_order(
    server: SimulatorServer, merchant: Merchant, shops: ShopWorld
) -> None:
    start = datetime(2026, 11, 17, 9, 30, tzinfo=UTC)
    end = datetime(2026, 11, 18, 21, tzinfo=UTC)
    served = all_order_ids(
        server,
        merchant,
        query="created_at:>='2026-11-17T09:30:00Z' AND created_at:<'2026-11-18T21:00:00Z'",
    )
    truth = shops.orders(merchant.shop_domain, start, end)
    assert len(truth) > 25  # several pages
    assert served == by_id(truth)
    # Ids are not handed out in creation order (a returning customer's order carries the id
    # of their first visit), so ID order is a real choice, not creation order by accident.
    assert served != [order.order_id for order in truth]


def test_a_date_stands_for_the_whole_day_in_the_shops_time_zone(
    server: SimulatorServer, merchant: Merchant, shops: ShopWorld
) -> None:
    day = date(2026, 11, 18)
    served = all_order_ids(server, merchant, page_size=100, query="created_at:2026-11-18")
    truth = shops.orders(
        merchant.shop_domain,
        local_midnight(merchant, day),
        local_midnight(merchant, day + timedelta(days=1)),
    )
    assert truth and served == by_id(truth)
    # `<=` a month reaches the month's last local instant; `<` stops before its first.
    october = all_order_ids(
        server, merchant, page_size=100, query="created_at:>=2026-10-31 created_at:<=2026-10"
    )
    last_day = shops.orders(
        merchant.shop_domain,
        local_midnight(merchant, date(2026, 10, 31)),
        local_midnight(merchant, date(2026, 11, 1)),
    )
    assert last_day and october == by_id(last_day)
    assert (
        all_order_ids(server, merchant, query="created_at:>=2026-10-31 created_at:<2026-10") == []
    )


@pytest.mark.parametrize(
    "search",
    [
        "created_at:>=2026-11-16 AND created_at:<2026-11-18 AND NOT updated_at:>=2026-11-19",
        "created_at:>=2026-11-16 created_at:<2026-11-18 -updated_at:>=2026-11-19",
        "(created_at:2026-11-16 OR created_at:2026-11-17) AND updated_at:<2026-11-19",
    ],
)
def test_connectives_modifiers_and_groups_combine_terms_as_documented(
    server: SimulatorServer, merchant: Merchant, shops: ShopWorld, search: str
) -> None:
    cutoff = local_midnight(merchant, date(2026, 11, 19))
    created = shops.orders(
        merchant.shop_domain,
        local_midnight(merchant, date(2026, 11, 16)),
        local_midnight(merchant, date(2026, 11, 18)),
    )
    truth = [order for order in created if order.updated_at < cutoff]
    assert 0 < len(truth) < len(created)  # the updated_at term drops some orders
    assert all_order_ids(server, merchant, page_size=100, query=search) == by_id(truth)


@pytest.mark.parametrize(("sort_key", "attribute"), [("CREATED_AT", "createdAt"), ("ID", None)])
def test_other_sort_keys_and_reverse_page_without_gaps(
    server: SimulatorServer,
    merchant: Merchant,
    shops: ShopWorld,
    sort_key: str,
    attribute: str | None,
) -> None:
    start = datetime(2026, 11, 18, tzinfo=UTC)
    truth = shops.orders(merchant.shop_domain, start, start + timedelta(days=1))
    served = all_order_ids(
        server,
        merchant,
        page_size=10,
        query="created_at:>='2026-11-18T00:00:00Z' created_at:<'2026-11-19T00:00:00Z'",
        sortKey=sort_key,
        reverse=True,
    )
    if attribute is None:
        expected = by_id(truth)[::-1]
    else:
        expected = [
            order.order_id
            for order in sorted(
                truth, key=lambda order: (order.created_at, order_number(order)), reverse=True
            )
        ]
    assert served == expected


def test_no_query_reads_the_last_sixty_days_in_id_order(
    server: SimulatorServer, merchant: Merchant, shops: ShopWorld
) -> None:
    answer = post(server, merchant, ORDERS_PAGE, first=5)
    served = [edge["node"]["id"] for edge in answer["data"]["orders"]["edges"]]
    truth = shops.orders(merchant.shop_domain, NOW - DEFAULT_ORDER_ACCESS, NOW + timedelta(1))
    assert served == by_id(truth)[:5]
