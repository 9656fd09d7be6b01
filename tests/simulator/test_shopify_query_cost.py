"""The simulator charges a query what Shopify's documented rules give (shopify.dev, "GraphQL
Admin API rate limits"): requested cost from the document and its `first` arguments, checked
against the bucket before the query runs; actual cost from what came back, charged after.
Each expected figure below is worked out by hand from those rules and the shop's own orders."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from metricx.settings import Settings
from simulator.merchants import Merchant
from simulator.shopify.api import ShopifyApi
from simulator.shopify.records import ShopOrder
from simulator.world import World

NOW = datetime(2026, 11, 20, 8, 7, tzinfo=UTC)
API_VERSION = Settings.model_fields["shopify_api_version"].default
# Orders changed in the last ten minutes: fewer than the five asked for.
SEARCH = f"updated_at:>='{NOW - timedelta(minutes=10):%Y-%m-%dT%H:%M:%SZ}'"
ORDERS = """
query Orders($query: String!) {
  orders(first: 5, sortKey: UPDATED_AT, query: $query) {
    edges { node {
      id
      totalPriceSet { shopMoney { amount } }
      lineItems(first: 3) { pageInfo { hasNextPage } edges { node { id } } }
    } }
  }
}"""
# connection 2 + 5 × (order 1 + MoneyBag 1 + MoneyV2 1 + lineItems (2 + 3 × line item 1))
ORDERS_REQUESTED = 2 + 5 * (1 + 2 + (2 + 3 * 1))
REFUNDS = """
query Refunds($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Order { id refunds { id refundLineItems(first: 4) { nodes { quantity } } } }
    ... on BulkOperation { id }
  }
}"""
# Per id, the costliest possible node: an Order (1) with its refunds, priced as one refund
# (list 1 + refundLineItems (2 + 4 × 1)); a BulkOperation would cost 1.
REFUNDS_REQUESTED_PER_ID = 1 + (1 + (2 + 4 * 1))


class ManualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def world() -> World:
    return World(merchants=1, clock=lambda: NOW)


@pytest.fixture
def api(world: World) -> Iterator[ShopifyApi]:
    api = ShopifyApi.of(world)
    api.reset()
    yield api
    api.reset()


@pytest.fixture
def clock(api: ShopifyApi) -> ManualClock:
    clock = ManualClock()
    api.configure(clock=clock)
    return clock


@pytest.fixture(scope="module")
def merchant(world: World) -> Merchant:
    return world.merchants[0]


def ask(api: ShopifyApi, merchant: Merchant, document: str, **variables: Any) -> dict[str, Any]:
    body = json.dumps({"query": document, "variables": variables}).encode()
    answer = api.graphql(
        merchant.shop_domain, API_VERSION, merchant.shopify_access_token, body, lambda n: ""
    )
    assert answer.status == 200
    return dict(answer.body)


def recent_orders(api: ShopifyApi, merchant: Merchant) -> list[ShopOrder]:
    return api.shops.orders_updated(merchant.shop_domain, NOW - timedelta(minutes=10), NOW)


def test_a_page_is_charged_for_the_orders_and_lines_it_returned(
    api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    orders = recent_orders(api, merchant)
    assert 0 < len(orders) < 5
    answer = ask(api, merchant, ORDERS, query=SEARCH)
    assert "errors" not in answer
    actual = 2 + sum(1 + 2 + (2 + min(len(o.line_items), 3)) for o in orders)
    assert answer["extensions"]["cost"] == {
        "requestedQueryCost": ORDERS_REQUESTED,
        "actualQueryCost": actual,
        "throttleStatus": {
            "maximumAvailable": 2_000.0,
            "currentlyAvailable": 2_000 - actual,
            "restoreRate": 100.0,
        },
    }


def test_nodes_by_id_are_charged_as_the_nodes_they_are(
    api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    refunded = next(
        o
        for o in api.shops.orders_updated(merchant.shop_domain, NOW - timedelta(days=5), NOW)
        if len(o.refunds) == 1
    )
    ids = [refunded.order_id, "gid://shopify/Order/1"]
    answer = ask(api, merchant, REFUNDS, ids=ids)
    assert "errors" not in answer
    cost = answer["extensions"]["cost"]
    assert cost["requestedQueryCost"] == len(ids) * REFUNDS_REQUESTED_PER_ID
    lines = len(refunded.refunds[0].line_items)
    # The order and its one refund's lines; the unknown id is a null node: 1.
    assert cost["actualQueryCost"] == (1 + (1 + (2 + min(lines, 4)))) + 1
    assert cost["throttleStatus"]["currentlyAvailable"] == 2_000 - cost["actualQueryCost"]


def test_a_query_runs_only_when_the_bucket_holds_its_requested_cost(
    api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    api.configure(maximum_available=float(ORDERS_REQUESTED), restore_rate=10.0, clock=clock)
    first = ask(api, merchant, ORDERS, query=SEARCH)["extensions"]["cost"]
    left = first["throttleStatus"]["currentlyAvailable"]
    assert left == ORDERS_REQUESTED - first["actualQueryCost"] > 0
    # The bucket holds less than the query requests, though more than it would actually cost.
    throttled = ask(api, merchant, ORDERS, query=SEARCH)
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert "data" not in throttled
    assert throttled["extensions"]["cost"]["actualQueryCost"] is None
    assert throttled["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == left
    # Exactly the refill the answer implies lets it run.
    clock.now += (ORDERS_REQUESTED - left) / 10.0
    assert "errors" not in ask(api, merchant, ORDERS, query=SEARCH)


def test_a_mutation_costs_ten(api: ShopifyApi, clock: ManualClock, merchant: Merchant) -> None:
    bulk = "{ orders(query: \"updated_at:>='2026-11-20'\") { edges { node { id } } } }"
    answer = ask(
        api,
        merchant,
        "mutation Run($q: String!) { bulkOperationRunQuery(query: $q) "
        "{ bulkOperation { id } userErrors { message } } }",
        q=bulk,
    )
    assert answer["data"]["bulkOperationRunQuery"]["userErrors"] == []
    cost = answer["extensions"]["cost"]
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (10, 10)
