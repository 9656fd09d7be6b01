"""Client for the Shopify Admin GraphQL API: orders changed in a time range, paged or in bulk.

Points at `https://{shop}` in production and at the simulator in tests; nothing else differs.

Shopify limits GraphQL by calculated query cost (`cost.py`): every shop has a bucket of points
(2000 on the standard plan) that refills at a fixed rate (100 a second); a query runs when the
bucket holds what it requests and is charged what it actually read. The client waits for the
bucket before a query it knows it cannot afford, and when Shopify answers THROTTLED anyway
(another process of the app used the points) it waits exactly as long as the refill needs.

A connection Shopify cuts at `first` (an order's line items, a refund's lines) is read to its
end by id, page after page, so no order lands with part of its lines.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from orchestration.connectors.http import (
    Failed,
    HttpConnector,
    ReconnectRequired,
    RequestBudget,
    RetryAfter,
    RetryPolicy,
    Succeeded,
    T,
    Verdict,
)
from orchestration.connectors.quarantine import MalformedRow
from orchestration.connectors.shopify.bulk import reassemble
from orchestration.connectors.shopify.cost import (
    MAX_IDS_PER_QUERY,
    CostBucket,
    refund_details_cost,
)
from orchestration.connectors.shopify.records import ShopifyOrder, parse_order

# A paged order's lines, and its refunds' lines, are read with it, this many in the first page
# (the rest page by id). A refund gives back at most the order's lines, and (nearly always) its
# one shipping line.
LINE_ITEMS_PER_ORDER = 10
SHIPPING_LINES_PER_REFUND = 2
# Each order node costs ~110 points with its line items and its refunds' details: 8 a page
# keeps a query under Shopify's single-query limit of 1000.
DEFAULT_PAGE_SIZE = 8
# The rest of a connection cut at `first`, read by id: 50 lines request ~250 points.
REST_PAGE_SIZE = 50
_FIRST_BULK_POLL_SECONDS = 0.25
_FINISHED_BULK_STATUSES = frozenset({"COMPLETED", "FAILED", "CANCELED", "EXPIRED"})

_MONEY = "shopMoney { amount currencyCode }"
_VISIT = (
    "id occurredAt source landingPage referrerUrl "
    "utmParameters { source medium campaign content term }"
)
_LINE_ITEM = f"id name sku quantity originalUnitPriceSet {{ {_MONEY} }}"
_PAGE_INFO = "pageInfo { hasNextPage endCursor }"
_REFUND_LINE = f"quantity subtotalSet {{ {_MONEY} }} totalTaxSet {{ {_MONEY} }}"
_REFUND_SHIPPING_LINE = f"subtotalAmountSet {{ {_MONEY} }} taxAmountSet {{ {_MONEY} }}"
_LINE_ITEMS = f"edges {{ node {{ {_LINE_ITEM} }} }}"
_REFUND_LINES = f"nodes {{ {_REFUND_LINE} }}"
_REFUND_SHIPPING_LINES = f"nodes {{ {_REFUND_SHIPPING_LINE} }}"


def _refund_details(lines: object, shipping_lines: object) -> str:
    # What a refund gives back: the sales figures book its goods, shipping and taxes apart.
    return f"""refundLineItems(first: {lines}) {{ {_PAGE_INFO} {_REFUND_LINES} }}
        refundShippingLines(first: {shipping_lines}) {{ {_PAGE_INFO} {_REFUND_SHIPPING_LINES} }}"""


_REFUND = f"""id createdAt totalRefundedSet {{ {_MONEY} }}
        {_refund_details("$lines", "$shippingLines")}"""
ORDER_FIELDS = f"""
      id name createdAt updatedAt processedAt cancelledAt test currencyCode taxesIncluded
      displayFinancialStatus displayFulfillmentStatus
      totalPriceSet {{ {_MONEY} }}
      subtotalPriceSet {{ {_MONEY} }}
      totalDiscountsSet {{ {_MONEY} }}
      totalShippingPriceSet {{ {_MONEY} }}
      totalTaxSet {{ {_MONEY} }}
      totalRefundedSet {{ {_MONEY} }}
      customer {{ id numberOfOrders }}
      customerJourneySummary {{
        ready customerOrderIndex daysToConversion
        firstVisit {{ {_VISIT} }}
        lastVisit {{ {_VISIT} }}
      }}
      shippingLine {{ taxLines {{ priceSet {{ {_MONEY} }} }} }}"""

ORDERS_UPDATED_QUERY = f"""
query OrdersUpdated(
  $first: Int!, $after: String, $query: String!, $lines: Int!, $shippingLines: Int!
) {{
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {{
    edges {{
      cursor
      node {{{ORDER_FIELDS}
        refunds {{ {_REFUND} }}
        lineItems(first: $lines) {{ {_PAGE_INFO} {_LINE_ITEMS} }}
      }}
    }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""

# Bulk queries take no variables and no page sizes; `{search}` is a quoted search string.
# Shopify refuses a connection inside a list field in bulk, so the refunds' details (connections
# inside the `refunds` list) are read afterwards, by order id (REFUND_DETAILS_QUERY).
BULK_ORDERS_QUERY = f"""
{{
  orders(query: {{search}}, sortKey: UPDATED_AT) {{
    edges {{
      node {{{ORDER_FIELDS}
        refunds {{ id createdAt totalRefundedSet {{ {_MONEY} }} }}
        lineItems {{ edges {{ node {{ {_LINE_ITEM} }} }} }}
      }}
    }}
  }}
}}"""

# The bulk file has each refund's id, time and amount; this reads what it gives back. Its cost
# is `refund_details_cost`: the lines a refund is asked for are sized per query.
REFUND_DETAILS_QUERY = f"""
query RefundDetails($ids: [ID!]!, $lines: Int!, $shippingLines: Int!) {{
  nodes(ids: $ids) {{
    ... on Order {{
      id
      refunds {{ id {_refund_details("$lines", "$shippingLines")} }}
    }}
  }}
}}"""


def _rest_query(type_name: str, connection: str, selection: str) -> str:
    return f"""
query Rest($id: ID!, $after: String!) {{
  node(id: $id) {{
    ... on {type_name} {{
      {connection}(first: {REST_PAGE_SIZE}, after: $after) {{ {_PAGE_INFO} {selection} }}
    }}
  }}
}}"""


# The pages after the first of each connection the connector reads, by the id of its owner.
REST_QUERIES = {
    ("Order", "lineItems"): _rest_query("Order", "lineItems", _LINE_ITEMS),
    ("Refund", "refundLineItems"): _rest_query("Refund", "refundLineItems", _REFUND_LINES),
    ("Refund", "refundShippingLines"): _rest_query(
        "Refund", "refundShippingLines", _REFUND_SHIPPING_LINES
    ),
}

# Shopify runs one bulk query per app and shop at a time, and refuses to start another with
# this code (older API versions only say "... is already in progress" in the message).
_BULK_ALREADY_RUNNING = "OPERATION_IN_PROGRESS"

RUN_BULK_QUERY_MUTATION = """
mutation RunBulkQuery($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}"""

BULK_OPERATION_QUERY = """
query BulkOperation($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount url }
  }
}"""

CURRENT_BULK_OPERATION_QUERY = """
query CurrentBulkOperation {
  currentBulkOperation(type: QUERY) { id status query }
}"""


class ShopifyApiError(Exception):
    """A failure retrying did not (or could not) fix; the message names the shop and what to do.

    `status` is the HTTP status when there was an answer; `code` Shopify's error code
    (`extensions.code`) when it gave one.
    """

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class ShopifyTokenError(ShopifyApiError, ReconnectRequired):
    """Shopify refused the shop's access token (HTTP 401: uninstalled app, rotated token): only
    the merchant reconnecting the shop issues a new one."""


class ShopifyAdminClient(HttpConnector):
    def __init__(
        self,
        base_url_template: str,
        api_version: str,
        shop_domain: str,
        access_token: str,
        *,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        budget: RequestBudget | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        lines_per_order: int = LINE_ITEMS_PER_ORDER,
        bulk_poll_seconds: float = 10.0,
        bulk_timeout_seconds: float = 1_800.0,
    ) -> None:
        base_url = base_url_template.format(shop=shop_domain).rstrip("/")
        self.shop_domain = shop_domain
        self._endpoint = f"{base_url}/admin/api/{api_version}/graphql.json"
        self._access_token = access_token
        super().__init__(http=http, timeout=timeout, retry=retry)
        self._budget = budget or RequestBudget()
        self._page_size = page_size
        self._lines_per_order = lines_per_order
        self._bulk_poll_seconds = bulk_poll_seconds
        self._bulk_timeout_seconds = bulk_timeout_seconds
        self._bucket = CostBucket()
        self._costs: dict[str, float] = {}  # requested cost per query text, once answered

    def iter_orders_updated(
        self, since: datetime, until: datetime
    ) -> Iterator[ShopifyOrder | MalformedRow]:
        """Orders whose `updated_at` is in [since, until), oldest change first, paged by cursor.

        An order Shopify serves but this connector cannot read comes as a MalformedRow.
        """
        search = _updated_between(since, until)
        return self._order_pages(search)

    def bulk_orders_updated(
        self, since: datetime, until: datetime
    ) -> Iterator[ShopifyOrder | MalformedRow]:
        """The same orders as `iter_orders_updated`, through a bulk operation: one query run on
        Shopify's side and one JSONL download, for backfills of days or years."""
        search = _updated_between(since, until)
        return self._bulk_orders(search)

    def _order_pages(self, search: str) -> Iterator[ShopifyOrder | MalformedRow]:
        after: str | None = None
        while True:
            variables = {
                "first": self._page_size,
                "after": after,
                "query": search,
                "lines": self._lines_per_order,
                "shippingLines": SHIPPING_LINES_PER_REFUND,
            }
            data = self._query(ORDERS_UPDATED_QUERY, variables)
            self.usage.pages += 1
            orders = data["orders"]
            for edge in orders["edges"]:
                yield parse_order(self._read_in_full(edge["node"]))
            page_info = orders["pageInfo"]
            if not page_info["hasNextPage"]:
                return
            after = page_info["endCursor"]

    def _bulk_orders(self, search: str) -> Iterator[ShopifyOrder | MalformedRow]:
        bulk_query = BULK_ORDERS_QUERY.replace("{search}", json.dumps(search))
        operation = self._await_bulk(self._start_bulk(bulk_query))
        if operation["status"] != "COMPLETED":
            raise ShopifyApiError(
                f"shop {self.shop_domain}: bulk operation {operation['id']} ended "
                f"{operation['status']} ({operation.get('errorCode')}); the next run retries",
                code=operation.get("errorCode"),
            )
        self.usage.pages += 1
        if operation["url"] is None:  # Shopify gives no file when nothing matched
            return
        refunded: list[dict[str, Any]] = []
        for item in reassemble(self._download(operation["url"])):
            if isinstance(item, MalformedRow):
                yield item
            elif not item.get("refunds"):
                yield parse_order(item)
            elif self._fits_one_query([*refunded, item]):
                refunded.append(item)
            else:
                yield from self._with_refund_details(refunded)
                refunded = [item]
        yield from self._with_refund_details(refunded)

    def _start_bulk(self, bulk_query: str) -> str:
        """The id of the bulk operation running `bulk_query`: started now, or adopted.

        Shopify runs one bulk query per app and shop. When one is already running, it is ours if
        it runs the same query (a start whose answer a timeout lost, or a run of the same range
        still going), and it is adopted; another one is waited for, then ours started.
        """
        for _ in range(2):
            started = self._query(RUN_BULK_QUERY_MUTATION, {"query": bulk_query})
            payload = started["bulkOperationRunQuery"]
            errors = payload["userErrors"]
            if not errors:
                return str(payload["bulkOperation"]["id"])
            messages = "; ".join(error["message"] for error in errors)
            running = any(error.get("code") == _BULK_ALREADY_RUNNING for error in errors)
            if not running and "already in progress" not in messages:
                raise ShopifyApiError(f"shop {self.shop_domain}: bulk query refused: {messages}")
            current = self._query(CURRENT_BULK_OPERATION_QUERY, {})["currentBulkOperation"]
            if current is None or current["status"] in _FINISHED_BULK_STATUSES:
                continue
            if _same_query(current.get("query"), bulk_query):
                return str(current["id"])
            self._await_bulk(current["id"])
        raise ShopifyApiError(
            f"shop {self.shop_domain}: bulk query refused: another bulk query keeps running for "
            "this shop; the next run retries"
        )

    def _fits_one_query(self, nodes: list[dict[str, Any]]) -> bool:
        lines = _lines_asked_for(nodes)
        cost = refund_details_cost(len(nodes), lines, 1)
        return len(nodes) <= MAX_IDS_PER_QUERY and cost <= self._bucket.single_query_limit()

    def _with_refund_details(
        self, nodes: list[dict[str, Any]]
    ) -> Iterator[ShopifyOrder | MalformedRow]:
        """The bulk file's refunded orders, each refund with what it gives back, read now by
        order id. Only the refunds the file listed are kept (one made since comes with the
        order's next change); an order gone since keeps them without details (flagged).

        A refund gives back at most its order's lines, so asking for as many lines a refund as
        the batch's largest order has reads nearly every refund in one page; the rare longer
        one is read to its end by id.
        """
        if not nodes:
            return
        lines = _lines_asked_for(nodes)
        data = self._query(
            REFUND_DETAILS_QUERY,
            {"ids": [node["id"] for node in nodes], "lines": lines, "shippingLines": 1},
            cost=refund_details_cost(len(nodes), lines, 1),
        )
        details = {
            refund["id"]: refund
            for order in data["nodes"]
            if isinstance(order, dict)
            for refund in order.get("refunds") or ()
            if isinstance(refund, dict)
        }
        for node in nodes:
            refunds = [
                self._read_in_full({**refund, **details.get(refund.get("id"), {})})
                if isinstance(refund, dict)
                else refund
                for refund in node["refunds"]
            ]
            yield parse_order({**node, "refunds": refunds})

    def _read_in_full(self, node: dict[str, Any]) -> dict[str, Any]:
        """`node` (an order or a refund) with every connection the connector reads from it
        complete: the pages after a first page cut at `first` are read by the node's id."""
        type_name = _object_type(node.get("id"))
        complete = dict(node)
        for (owner, name), query in REST_QUERIES.items():
            connection = node.get(name)
            if owner == type_name and isinstance(connection, dict):
                complete[name] = self._rest_of(query, node["id"], name, connection)
        if type_name == "Order" and isinstance(node.get("refunds"), list):
            complete["refunds"] = [
                self._read_in_full(refund) if isinstance(refund, dict) else refund
                for refund in node["refunds"]
            ]
        return complete

    def _rest_of(
        self, query: str, node_id: str, name: str, connection: dict[str, Any]
    ) -> dict[str, Any]:
        items_key = "edges" if "edges" in connection else "nodes"
        items, page_info = list(connection.get(items_key) or ()), connection.get("pageInfo")
        while isinstance(page_info, dict) and page_info.get("hasNextPage"):
            owner = self._query(query, {"id": node_id, "after": page_info["endCursor"]})["node"]
            if not isinstance(owner, dict):
                break  # gone since the first page: it stays flagged as cut short
            page = owner[name]
            items += page[items_key]
            page_info = page["pageInfo"]
        return {**connection, items_key: items, "pageInfo": page_info}

    def _await_bulk(self, operation_id: str) -> dict[str, Any]:
        """The operation once it finished (completed or not). Small operations finish in a
        second or two: polled soon, then ever less often."""
        waited, interval = 0.0, min(_FIRST_BULK_POLL_SECONDS, self._bulk_poll_seconds)
        while waited < self._bulk_timeout_seconds:
            self._retry.sleep(interval)
            waited += interval
            interval = min(2 * interval, self._bulk_poll_seconds)
            operation = self._query(BULK_OPERATION_QUERY, {"id": operation_id})["node"]
            if operation is None:
                raise ShopifyApiError(
                    f"shop {self.shop_domain}: bulk operation {operation_id} disappeared"
                )
            if operation["status"] in _FINISHED_BULK_STATUSES:
                return dict(operation)
        raise ShopifyApiError(
            f"shop {self.shop_domain}: bulk operation {operation_id} still running after "
            f"{waited:.0f} s; the next run retries"
        )

    def _download(self, url: str) -> list[str]:
        # The file sits behind a signed storage URL: no access token goes with it.
        def classify(response: httpx.Response) -> Verdict[list[str], ShopifyApiError]:
            if response.is_success:
                return Succeeded(response.text.splitlines())
            if response.status_code >= 500:
                return RetryAfter(
                    ShopifyApiError(f"bulk file download: HTTP {response.status_code}")
                )
            return Failed(
                ShopifyApiError(
                    f"shop {self.shop_domain}: bulk file download failed "
                    f"(HTTP {response.status_code}); the next run retries",
                    status=response.status_code,
                )
            )

        return self._send(
            lambda: self._http.get(url, timeout=self._timeout),
            classify,
            what="bulk file download: ",
        )

    def _query(
        self, query: str, variables: Mapping[str, Any], *, cost: float | None = None
    ) -> dict[str, Any]:
        """POST one GraphQL operation, retrying what is worth retrying; returns `data`.

        `cost` is what the query requests when the caller computed it; otherwise what Shopify
        reported the last time the same query text ran.
        """
        body = {"query": query, "variables": dict(variables)}

        def requested() -> float | None:
            return cost if cost is not None else self._costs.get(query)

        def classify(response: httpx.Response) -> Verdict[dict[str, Any], ShopifyApiError]:
            payload = _json_or_none(response)
            if response.status_code == 429:
                return RetryAfter(
                    ShopifyApiError("HTTP 429 Too Many Requests"), _retry_after(response)
                )
            if response.status_code >= 500:
                return RetryAfter(ShopifyApiError(f"HTTP {response.status_code}"))
            if not response.is_success or not isinstance(payload, dict):
                return Failed(self._refused(response, payload))
            reported = self._bucket.note((payload.get("extensions") or {}).get("cost"))
            if reported is not None:
                self._costs[query] = reported
            errors = payload.get("errors")
            if not errors:
                return Succeeded(payload["data"])
            if not _throttled(errors):
                return Failed(
                    ShopifyApiError(
                        f"shop {self.shop_domain}: GraphQL error: {_messages(errors)}",
                        status=response.status_code,
                        code=_first_code(errors),
                    )
                )
            # With the bucket's state just reported, the next attempt waits exactly as long as
            # the refill needs; backing off on top would only slow.
            exact = self._bucket.known and requested() is not None
            return RetryAfter(ShopifyApiError("THROTTLED"), None if exact else 0.0)

        return self._send(
            lambda: self._http.post(
                self._endpoint,
                json=body,
                headers={"X-Shopify-Access-Token": self._access_token},
                timeout=self._timeout,
            ),
            classify,
            before_each=lambda: self._bucket.await_points(requested(), self._retry.sleep),
        )

    def _send(
        self,
        send: Callable[[], httpx.Response],
        classify: Callable[[httpx.Response], Verdict[T, ShopifyApiError]],
        *,
        what: str = "",
        before_each: Callable[[], None] | None = None,
    ) -> T:
        return self._send_with_retries(
            send,
            classify,
            transport_failure=lambda exc: ShopifyApiError(f"{what}{type(exc).__name__}: {exc}"),
            give_up=lambda failure, retries: ShopifyApiError(
                f"shop {self.shop_domain}: {failure} (gave up after {retries} retries); "
                "the next run retries"
            ),
            budget=self._budget,
            context=f"shop {self.shop_domain}",
            before_each=before_each,
        )

    def _refused(self, response: httpx.Response, payload: Any) -> ShopifyApiError:
        status = response.status_code
        detail = payload.get("errors") if isinstance(payload, dict) else response.text[:200]
        if status == 401:
            return ShopifyTokenError(
                f"shop {self.shop_domain}: the access token was rejected; reconnect the shop in "
                f"metricx (HTTP {status}: {detail})",
                status=status,
            )
        if status == 403:
            action = "the access token was rejected; reconnect the shop in metricx"
        elif status == 404:
            action = f"no shop answers at {self._endpoint}; check the shop domain and API version"
        else:
            action = "the request was refused"
        return ShopifyApiError(
            f"shop {self.shop_domain}: {action} (HTTP {status}: {detail})", status=status
        )


def _updated_between(since: datetime, until: datetime) -> str:
    for bound in (since, until):
        if bound.tzinfo is None:
            raise ValueError(f"{bound!r} is not tz-aware")
        if bound.microsecond:
            # Shopify's timestamps are whole seconds, and so are its search bounds.
            raise ValueError(f"{bound.isoformat()} is not a whole second")
    if since >= until:
        raise ValueError(f"since {since.isoformat()} is not before until {until.isoformat()}")
    return f"updated_at:>='{_search_time(since)}' AND updated_at:<'{_search_time(until)}'"


def _search_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _lines_asked_for(nodes: list[dict[str, Any]]) -> int:
    """Lines a refund is asked for in one query: the most any of the orders has, within what
    keeps one order's query far under the single-query limit."""
    most = max((len((node.get("lineItems") or {}).get("edges") or ()) for node in nodes), default=1)
    return min(max(1, most), REST_PAGE_SIZE)


def _same_query(running: Any, ours: str) -> bool:
    return isinstance(running, str) and running.split() == ours.split()


def _object_type(gid: Any) -> str | None:
    # gid://shopify/Refund/123 -> Refund
    if not isinstance(gid, str) or not gid.startswith("gid://shopify/"):
        return None
    return gid.split("/")[3]


def _throttled(errors: Any) -> bool:
    return isinstance(errors, list) and any(
        isinstance(error, dict) and (error.get("extensions") or {}).get("code") == "THROTTLED"
        for error in errors
    )


def _messages(errors: Any) -> str:
    if isinstance(errors, list):
        return "; ".join(
            str(error.get("message")) if isinstance(error, dict) else str(error) for error in errors
        )
    return str(errors)


def _first_code(errors: Any) -> str | None:
    if isinstance(errors, list):
        for error in errors:
            if isinstance(error, dict) and (error.get("extensions") or {}).get("code"):
                return str(error["extensions"]["code"])
    return None


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "0")))
    except ValueError:
        return 0.0


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
