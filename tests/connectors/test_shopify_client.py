"""The Shopify connector against the simulator over real HTTP on loopback, checked against the
shop world's own orders."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from orchestration.connectors.http import RetryPolicy
from orchestration.connectors.quarantine import MalformedRow
from orchestration.connectors.shopify import ShopifyAdminClient, ShopifyApiError, ShopifyOrder
from orchestration.connectors.shopify.client import (
    BULK_OPERATION_QUERY,
    BULK_ORDERS_QUERY,
    DEFAULT_PAGE_SIZE,
    LINE_ITEMS_PER_ORDER,
    ORDERS_UPDATED_QUERY,
    REFUND_DETAILS_QUERY,
    RUN_BULK_QUERY_MUTATION,
    SHIPPING_LINES_PER_REFUND,
)
from orchestration.connectors.shopify.cost import refund_details_cost
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from simulator.shopify.api import ShopifyApi
from simulator.shopify.faults import ShopifyFault
from simulator.shopify.query_cost import SINGLE_QUERY_MAX_COST
from simulator.shopify.records import Session, ShopOrder
from simulator.world import World

NOW = datetime(2026, 11, 20, 8, 7, tzinfo=UTC)
SINCE = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
UNTIL = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
API_VERSION = "2025-01"


class ManualClock:
    """The simulator's bucket clock, moved only by the client's (injected) sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module")
def world() -> World:
    return World(seed=7, merchants=2, clock=lambda: NOW)


@pytest.fixture(scope="module")
def api(world: World) -> ShopifyApi:
    return ShopifyApi.of(world)


@pytest.fixture
def clock(api: ShopifyApi) -> Iterator[ManualClock]:
    clock = ManualClock()
    api.reset()
    api.configure(clock=clock)
    yield clock
    api.reset()


@pytest.fixture
def merchant(world: World) -> Merchant:
    return world.merchants[0]


def make_client(
    server: SimulatorServer,
    merchant: Merchant,
    clock: ManualClock,
    *,
    access_token: str | None = None,
    shop_domain: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    lines_per_order: int = LINE_ITEMS_PER_ORDER,
    max_retries: int = 5,
    http: httpx.Client | None = None,
) -> ShopifyAdminClient:
    return ShopifyAdminClient(
        f"{server.base_url}/shopify/{{shop}}",
        API_VERSION,
        shop_domain or merchant.shop_domain,
        access_token or merchant.shopify_access_token,
        retry=RetryPolicy(max_retries=max_retries, backoff_base_seconds=0.001, sleep=clock.sleep),
        page_size=page_size,
        lines_per_order=lines_per_order,
        http=http,
    )


class CostLog:
    """Every GraphQL answer's `extensions.cost`, in order, seen through an httpx response hook."""

    def __init__(self) -> None:
        self.costs: list[dict[str, Any]] = []
        self.queries: list[str] = []
        self.http = httpx.Client(event_hooks={"response": [self._seen]})

    def _seen(self, response: httpx.Response) -> None:
        if not response.url.path.endswith("graphql.json"):
            return
        response.read()
        self.queries.append(json.loads(response.request.content)["query"])
        self.costs.append(response.json().get("extensions", {}).get("cost") or {})


def truth(api: ShopifyApi, merchant: Merchant) -> list[ShopOrder]:
    return api.shops.orders_updated(merchant.shop_domain, SINCE, UNTIL)


def expected(order: ShopOrder) -> tuple[object, ...]:
    ready = order.journey_ready
    return (
        order.order_id,
        order.name,
        order.created_at,
        order.updated_at,
        order.cancelled_at,
        order.test,
        order.currency,
        order.taxes_included,
        order.financial_status,
        order.fulfillment_status,
        (order.subtotal, order.total_discounts, order.shipping, order.tax, order.total),
        order.shipping_tax,
        order.total_refunded,
        order.customer_id,
        order.customer_order_index,
        order.customer_orders_count,
        ready,
        _visit(order.first_visit) if ready else None,
        _visit(order.last_visit) if ready else None,
        tuple(
            (
                r.refund_id,
                r.created_at,
                r.amount,
                tuple((i.quantity, i.subtotal, i.tax) for i in r.line_items),
                ((r.shipping, r.shipping_tax),) if r.shipping else (),
                True,
            )
            for r in order.refunds
        ),
        tuple((i.line_item_id, i.title, i.sku, i.quantity, i.unit_price) for i in order.line_items),
    )


def observed(record: ShopifyOrder) -> tuple[object, ...]:
    return (
        record.order_id,
        record.name,
        record.created_at,
        record.updated_at,
        record.cancelled_at,
        record.test,
        record.currency,
        record.taxes_included,
        record.financial_status,
        record.fulfillment_status,
        (record.subtotal, record.total_discounts, record.shipping, record.tax, record.total),
        record.shipping_tax,
        record.total_refunded,
        record.customer_id,
        record.customer_order_index,
        record.customer_orders_at_capture,
        record.journey_ready,
        _record_visit(record.first_visit),
        _record_visit(record.last_visit),
        tuple(
            (
                r.refund_id,
                r.created_at,
                r.amount,
                tuple((i.quantity, i.subtotal, i.tax) for i in r.line_items),
                tuple((line.subtotal, line.tax) for line in r.shipping_lines),
                r.lines_complete,
            )
            for r in record.refunds
        ),
        tuple((i.line_item_id, i.name, i.sku, i.quantity, i.unit_price) for i in record.line_items),
    )


def _visit(session: Session) -> tuple[object, ...]:
    utm = session.utm
    return (
        session.visit_id,
        session.started_at,
        (utm.source, utm.medium, utm.campaign, utm.content, utm.term),
        session.landing_page,
        session.referrer_url,
    )


def _record_visit(visit: Any) -> tuple[object, ...] | None:
    if visit is None:
        return None
    return (
        visit.visit_id,
        visit.occurred_at,
        (visit.utm_source, visit.utm_medium, visit.utm_campaign, visit.utm_content, visit.utm_term),
        visit.landing_page,
        visit.referrer_url,
    )


def only_orders(items: list[ShopifyOrder | MalformedRow]) -> list[ShopifyOrder]:
    assert not [item for item in items if isinstance(item, MalformedRow)]
    return [item for item in items if isinstance(item, ShopifyOrder)]


def post(
    server: SimulatorServer, merchant: Merchant, document: str, **variables: Any
) -> dict[str, Any]:
    response = httpx.post(
        f"{server.base_url}/shopify/{merchant.shop_domain}/admin/api/{API_VERSION}/graphql.json",
        json={"query": document, "variables": variables},
        headers={"X-Shopify-Access-Token": merchant.shopify_access_token},
    )
    assert response.status_code == 200
    return response.json()


def page_cost(server: SimulatorServer, merchant: Merchant) -> int:
    """What one full page of the connector's query costs, as the simulator calculates it.

    Call it before `ShopifyApi.configure`, which refills the bucket this spends from.
    """
    answer = post(
        server,
        merchant,
        ORDERS_UPDATED_QUERY,
        first=DEFAULT_PAGE_SIZE,
        query=f"updated_at:>='{UNTIL:%Y-%m-%dT%H:%M:%SZ}'",
        lines=LINE_ITEMS_PER_ORDER,
        shippingLines=SHIPPING_LINES_PER_REFUND,
    )
    return answer["extensions"]["cost"]["requestedQueryCost"]


def test_pages_through_six_hours_of_changes_matching_the_shop_to_the_cent(
    server: SimulatorServer, api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    with make_client(server, merchant, clock, page_size=7) as client:
        records = only_orders(list(client.iter_orders_updated(SINCE, UNTIL)))
    orders = truth(api, merchant)
    assert len(orders) > 40
    assert [observed(record) for record in records] == [expected(order) for order in orders]
    assert client.usage.pages == -(-len(orders) // 7)
    assert client.usage.requests == client.usage.pages
    assert client.usage.retries == 0
    # Journeys only exist once Shopify built them: the last minutes' orders have none yet.
    assert {record.journey_ready for record in records} == {True, False}
    assert any(record.refunds for record in records)
    assert any(
        record.customer_order_index and record.customer_order_index > 1 for record in records
    )


def test_the_default_page_fits_under_the_single_query_cost_limit(
    server: SimulatorServer, clock: ManualClock, merchant: Merchant
) -> None:
    answer = post(
        server,
        merchant,
        ORDERS_UPDATED_QUERY,
        first=DEFAULT_PAGE_SIZE,
        query=f"updated_at:>='{SINCE:%Y-%m-%dT%H:%M:%SZ}'",
        lines=LINE_ITEMS_PER_ORDER,
        shippingLines=SHIPPING_LINES_PER_REFUND,
    )
    assert answer["extensions"]["cost"]["requestedQueryCost"] <= SINGLE_QUERY_MAX_COST
    amounts = [
        edge["node"]["totalPriceSet"]["shopMoney"]["amount"]
        for edge in answer["data"]["orders"]["edges"]
    ]
    # Money travels as decimal strings, trailing zeros dropped as Shopify does.
    assert all(isinstance(amount, str) for amount in amounts)
    assert all(not amount.endswith("0") or amount.endswith(".0") for amount in amounts)


def test_waits_for_the_bucket_to_refill_instead_of_being_throttled(
    server: SimulatorServer, api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    api.configure(maximum_available=1_000.0, restore_rate=50.0, clock=clock)
    log = CostLog()
    with make_client(server, merchant, clock, http=log.http) as client:
        records = only_orders(list(client.iter_orders_updated(SINCE, UNTIL)))
    assert [observed(r) for r in records] == [expected(o) for o in truth(api, merchant)]
    assert client.usage.retries == 0
    # Each answer tells what is left after the page's actual cost; the next page waits until
    # its requested cost is back, no longer.
    waits = [
        (now["requestedQueryCost"] - before["throttleStatus"]["currentlyAvailable"]) / 50
        for before, now in zip(log.costs, log.costs[1:], strict=False)
    ]
    assert clock.slept == [pytest.approx(wait, abs=0.02) for wait in waits if wait > 0]
    assert clock.slept, "the pages should have drained the 1000-point bucket"
    # Charged what they read: a page of orders with few lines costs far less than requested.
    assert all(cost["actualQueryCost"] < cost["requestedQueryCost"] / 2 for cost in log.costs)


def test_a_throttled_storm_waits_exactly_for_the_refill(
    server: SimulatorServer, api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    cost = page_cost(server, merchant)
    api.faults.fail_requests(3, ShopifyFault.THROTTLED)
    with make_client(server, merchant, clock) as client:
        records = only_orders(list(client.iter_orders_updated(SINCE, UNTIL)))
    assert [observed(r) for r in records] == [expected(o) for o in truth(api, merchant)]
    assert client.usage.retries == 3
    assert client.usage.requests == client.usage.pages + 3
    # Each time another consumer emptied the bucket: wait for the query's points, no more.
    assert clock.slept[:3] == [pytest.approx(cost / 100, abs=0.01)] * 3


def test_too_many_requests_waits_as_long_as_retry_after_says(
    server: SimulatorServer, api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    api.faults.fail_requests(2, ShopifyFault.TOO_MANY_REQUESTS, retry_after_seconds=3.5)
    with make_client(server, merchant, clock) as client:
        records = only_orders(list(client.iter_orders_updated(SINCE, UNTIL)))
    assert len(records) == len(truth(api, merchant))
    assert clock.slept[:2] == [3.5, 3.5]
    assert client.usage.retries == 2


def test_a_storm_of_server_errors_completes_without_duplicates(
    server: SimulatorServer, api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    api.faults.fail_requests(4, ShopifyFault.SERVER_ERROR)
    with make_client(server, merchant, clock, page_size=6) as client:
        records = only_orders(list(client.iter_orders_updated(SINCE, UNTIL)))
    assert [observed(r) for r in records] == [expected(o) for o in truth(api, merchant)]
    assert len({r.order_id for r in records}) == len(records)
    assert client.usage.retries == 4
    assert client.usage.requests == client.usage.pages + 4


def test_retries_give_up_after_the_policy_allows(
    server: SimulatorServer, api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    api.faults.fail_requests(3, ShopifyFault.SERVER_ERROR)
    with make_client(server, merchant, clock, max_retries=2) as client:
        with pytest.raises(ShopifyApiError, match="HTTP 503 \\(gave up after 2 retries\\)"):
            list(client.iter_orders_updated(SINCE, UNTIL))
        assert (client.usage.requests, client.usage.retries) == (3, 2)


def test_a_bulk_operation_brings_the_same_orders_with_their_line_items(
    server: SimulatorServer, api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    with make_client(server, merchant, clock) as client:
        records = only_orders(list(client.bulk_orders_updated(SINCE, UNTIL)))
    orders = truth(api, merchant)
    assert sorted(observed(r) for r in records) == sorted(expected(o) for o in orders)
    assert all(record.line_items_complete for record in records)
    assert any(len(record.line_items) > 1 for record in records)
    # Run, then polls through CREATED -> RUNNING -> COMPLETED, then the download; then the
    # refunded orders' refund details, by id (a bulk query cannot nest them), all in one query.
    refunded = [o for o in orders if o.refunds]
    assert refunded
    assert client.usage.requests == 4 + 1
    # The file held each line item on a line of its own, pointing at its order.
    current = post(server, merchant, "{ currentBulkOperation { status url objectCount } }")
    operation = current["data"]["currentBulkOperation"]
    assert operation["status"] == "COMPLETED"
    lines = [json.loads(line) for line in httpx.get(operation["url"]).text.splitlines()]
    children = [line for line in lines if "__parentId" in line]
    assert len(children) == sum(len(o.line_items) for o in orders)
    assert len(lines) == int(operation["objectCount"]) == len(orders) + len(children)
    assert {child["__parentId"] for child in children} == {o.order_id for o in orders}


def test_refund_details_are_read_in_as_few_queries_as_their_cost_allows(
    server: SimulatorServer, api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    since = UNTIL - timedelta(days=10)
    log = CostLog()
    with make_client(server, merchant, clock, http=log.http) as client:
        records = only_orders(list(client.bulk_orders_updated(since, UNTIL)))
    orders = api.shops.orders_updated(merchant.shop_domain, since, UNTIL)
    assert sorted(observed(r) for r in records) == sorted(expected(o) for o in orders)
    details = [
        cost
        for query, cost in zip(log.queries, log.costs, strict=True)
        if query == REFUND_DETAILS_QUERY
    ]
    refunded = [o for o in orders if o.refunds]
    # Sized by what a query requests, not by a fixed count: a few lines a refund make ~20
    # points an order, so ~50 orders a query where a fixed 10 lines a refund allowed 12.
    assert all(cost["requestedQueryCost"] <= SINGLE_QUERY_MAX_COST for cost in details)
    assert len(refunded) > 40
    assert len(details) <= -(-len(refunded) // 40)
    assert client.usage.retries == 0


def test_a_bulk_query_cannot_nest_a_connection_in_the_refunds_list(
    server: SimulatorServer, clock: ManualClock, merchant: Merchant
) -> None:
    nested = BULK_ORDERS_QUERY.replace(
        "refunds { id", "refunds { refundLineItems { edges { node { quantity } } } id"
    ).replace("{search}", json.dumps("updated_at:>='2026-11-20T00:00:00Z'"))
    answer = post(server, merchant, RUN_BULK_QUERY_MUTATION, query=nested)
    errors = answer["data"]["bulkOperationRunQuery"]["userErrors"]
    assert "connection field within a list field" in errors[0]["message"]


def test_refund_details_cost_what_the_connector_computes_it_asks_for(
    server: SimulatorServer, api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    refunded = [o.order_id for o in truth(api, merchant) if o.refunds]
    # Unknown ids come back as null nodes.
    ids = [*refunded, "gid://shopify/Order/1", "gid://shopify/Order/2"]
    answer = post(server, merchant, REFUND_DETAILS_QUERY, ids=ids, lines=4, shippingLines=1)
    assert "errors" not in answer, answer.get("errors")
    nodes = answer["data"]["nodes"]
    assert [node and node["id"] for node in nodes] == [*refunded, None, None]
    cost = answer["extensions"]["cost"]
    assert cost["requestedQueryCost"] == refund_details_cost(len(ids), 4, 1)
    assert cost["actualQueryCost"] < cost["requestedQueryCost"]


def test_a_large_batch_of_refund_details_stays_under_the_single_query_limit(
    server: SimulatorServer, clock: ManualClock, merchant: Merchant
) -> None:
    most = SINGLE_QUERY_MAX_COST // refund_details_cost(1, 1, 1)
    ids = [f"gid://shopify/Order/{n}" for n in range(1, most + 2)]
    fits = post(server, merchant, REFUND_DETAILS_QUERY, ids=ids[:most], lines=1, shippingLines=1)
    assert "errors" not in fits
    too_many = post(server, merchant, REFUND_DETAILS_QUERY, ids=ids, lines=1, shippingLines=1)
    assert too_many["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"


def test_lines_beyond_the_first_page_are_read_by_id_to_the_end(
    server: SimulatorServer, api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    # One line a page: every order of several lines, and every refund of several, is cut.
    with make_client(server, merchant, clock, lines_per_order=1) as client:
        records = only_orders(list(client.iter_orders_updated(SINCE, UNTIL)))
    orders = truth(api, merchant)
    assert [observed(r) for r in records] == [expected(o) for o in orders]
    assert all(record.line_items_complete for record in records)
    assert any(len(refund.line_items) > 1 for order in orders for refund in order.refunds)
    rest = sum(len(o.line_items) - 1 for o in orders) + sum(
        max(0, len(r.line_items) - 1) for o in orders for r in o.refunds
    )
    # One more request per cut connection (its rest fits a page), none retried.
    cut = sum(len(o.line_items) > 1 for o in orders) + sum(
        len(r.line_items) > 1 for o in orders for r in o.refunds
    )
    assert rest > cut > 0
    assert client.usage.requests == client.usage.pages + cut


def test_a_truncated_bulk_line_is_quarantined_with_its_children(
    server: SimulatorServer, api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    api.faults.truncate_next_bulk_file()
    with make_client(server, merchant, clock) as client:
        items = list(client.bulk_orders_updated(SINCE, UNTIL))
    records = [item for item in items if isinstance(item, ShopifyOrder)]
    malformed = [item for item in items if isinstance(item, MalformedRow)]
    orders = {o.order_id: o for o in truth(api, merchant)}
    lost = set(orders) - {record.order_id for record in records}
    assert len(lost) == 1
    lost_order = orders[lost.pop()]
    assert len(malformed) == 1 + len(lost_order.line_items)
    assert "not a JSON object" in malformed[0].reason
    assert all(lost_order.order_id in row.reason for row in malformed[1:])


def test_an_order_with_a_non_decimal_amount_is_quarantined_and_the_rest_land(
    server: SimulatorServer, api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    orders = truth(api, merchant)
    broken = orders[5]
    api.faults.corrupt_amount(broken.order_id)
    with make_client(server, merchant, clock) as client:
        items = list(client.iter_orders_updated(SINCE, UNTIL))
    malformed = [item for item in items if isinstance(item, MalformedRow)]
    assert len(malformed) == 1
    assert broken.order_id in malformed[0].reason and "totalPriceSet" in malformed[0].reason
    assert json.loads(malformed[0].payload)["id"] == broken.order_id
    records = [item for item in items if isinstance(item, ShopifyOrder)]
    assert [observed(r) for r in records] == [expected(o) for o in orders if o is not broken]


def test_fields_the_connector_never_asked_for_are_ignored(
    server: SimulatorServer, api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    api.faults.add_unknown_fields()
    with make_client(server, merchant, clock) as client:
        paged = only_orders(list(client.iter_orders_updated(SINCE, UNTIL)))
        bulk = only_orders(list(client.bulk_orders_updated(SINCE, UNTIL)))
    orders = [expected(o) for o in truth(api, merchant)]
    assert [observed(r) for r in paged] == orders
    assert sorted(observed(r) for r in bulk) == sorted(orders)


def test_a_currency_switch_is_read_as_the_shop_reports_it(
    server: SimulatorServer, api: ShopifyApi, clock: ManualClock, world: World
) -> None:
    berlin = world.merchants[1]
    switch = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
    api.shops.change_currency(berlin.shop_domain, switch, "CHF")
    with make_client(server, berlin, clock) as client:
        records = only_orders(list(client.iter_orders_updated(SINCE, UNTIL)))
    assert [observed(r) for r in records] == [expected(o) for o in truth(api, berlin)]
    assert {r.currency for r in records if r.created_at >= switch} == {"CHF"}
    assert "EUR" in {r.currency for r in records if r.created_at < switch}


def test_a_wrong_token_fails_at_once_with_what_to_do(
    server: SimulatorServer, clock: ManualClock, merchant: Merchant
) -> None:
    with make_client(server, merchant, clock, access_token="shpat_not-a-token") as client:
        with pytest.raises(ShopifyApiError) as raised:
            list(client.iter_orders_updated(SINCE, UNTIL))
        assert client.usage.retries == 0
    assert raised.value.status == 401
    assert merchant.shop_domain in str(raised.value) and "reconnect" in str(raised.value)
    assert "Invalid API key or access token" in str(raised.value)


def test_an_unknown_shop_is_not_found(
    server: SimulatorServer, clock: ManualClock, merchant: Merchant
) -> None:
    client = make_client(server, merchant, clock, shop_domain="nowhere.myshopify.com")
    with client, pytest.raises(ShopifyApiError, match=r"nowhere\.myshopify\.com") as raised:
        list(client.iter_orders_updated(SINCE, UNTIL))
    assert raised.value.status == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "{ orders(first: 5, sortKey: UPDATED_AT, query: $q) { edges { node { id } } } }",
            "Variable $q is used",
        ),
        ("{ orders(first: 5) { edges { node { id secretField } } } }", "doesn't exist on type"),
        ("{ latest: orders(first: 5) { edges { node { id } } } }", "aliases are not supported"),
        ("{ orders(sortKey: UPDATED_AT) { edges { node { id } } } }", "one of first or last"),
        (
            "{ orders(first: 5, sortKey: TOTAL_PRICE, query: \"updated_at:>='2026-11-20'\") "
            "{ edges { node { id } } } }",
            "sorts orders by ID, CREATED_AT, PROCESSED_AT or UPDATED_AT",
        ),
        (
            '{ orders(first: 5, query: "financial_status:paid") { edges { node { id } } } }',
            "not financial_status",
        ),
        (
            "{ orders(first: 250, sortKey: UPDATED_AT, query: \"updated_at:>='2026-11-20'\") "
            "{ edges { node { id lineItems(first: 10) { edges { node { id } } } } } } }",
            "exceeds the single query max cost limit",
        ),
    ],
)
def test_shapes_the_simulator_does_not_serve_are_refused_as_graphql_errors(
    server: SimulatorServer, clock: ManualClock, merchant: Merchant, query: str, message: str
) -> None:
    answer = post(server, merchant, query)
    assert "data" not in answer
    assert message in answer["errors"][0]["message"]


def test_bounds_must_be_whole_seconds_in_order(
    server: SimulatorServer, clock: ManualClock, merchant: Merchant
) -> None:
    with make_client(server, merchant, clock) as client:
        with pytest.raises(ValueError, match="whole second"):
            client.iter_orders_updated(SINCE + timedelta(microseconds=5), UNTIL)
        with pytest.raises(ValueError, match="not before"):
            client.iter_orders_updated(UNTIL, SINCE)
        assert client.usage.requests == 0


def bulk_query(since: datetime, until: datetime) -> str:
    """The bulk query the connector runs for [since, until)."""
    search = (
        f"updated_at:>='{since:%Y-%m-%dT%H:%M:%SZ}' AND updated_at:<'{until:%Y-%m-%dT%H:%M:%SZ}'"
    )
    return BULK_ORDERS_QUERY.replace("{search}", json.dumps(search))


def start_bulk(server: SimulatorServer, merchant: Merchant, query: str) -> str:
    answer = post(server, merchant, RUN_BULK_QUERY_MUTATION, query=query)
    assert answer["data"]["bulkOperationRunQuery"]["userErrors"] == []
    return answer["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]


def test_a_bulk_query_already_running_the_same_read_is_adopted(
    server: SimulatorServer, api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    # A run whose start timed out after Shopify had started the operation, retried.
    running = start_bulk(server, merchant, bulk_query(SINCE, UNTIL))
    refused = post(server, merchant, RUN_BULK_QUERY_MUTATION, query=bulk_query(SINCE, UNTIL))
    error = refused["data"]["bulkOperationRunQuery"]["userErrors"][0]
    assert error["code"] == "OPERATION_IN_PROGRESS" and running in error["message"]
    with make_client(server, merchant, clock) as client:
        records = only_orders(list(client.bulk_orders_updated(SINCE, UNTIL)))
    assert sorted(observed(r) for r in records) == sorted(expected(o) for o in truth(api, merchant))
    current = post(server, merchant, "{ currentBulkOperation { id status } }")
    assert current["data"]["currentBulkOperation"] == {"id": running, "status": "COMPLETED"}


def test_another_bulk_query_running_is_awaited_before_ours_starts(
    server: SimulatorServer, api: ShopifyApi, clock: ManualClock, merchant: Merchant
) -> None:
    other = start_bulk(server, merchant, bulk_query(SINCE - timedelta(days=1), SINCE))
    with make_client(server, merchant, clock) as client:
        records = only_orders(list(client.bulk_orders_updated(SINCE, UNTIL)))
    assert sorted(observed(r) for r in records) == sorted(expected(o) for o in truth(api, merchant))
    finished = post(server, merchant, BULK_OPERATION_QUERY, id=other)
    assert finished["data"]["node"]["status"] == "COMPLETED"
    current = post(server, merchant, "{ currentBulkOperation { id query } }")
    assert current["data"]["currentBulkOperation"]["id"] != other
    assert current["data"]["currentBulkOperation"]["query"] == bulk_query(SINCE, UNTIL)
