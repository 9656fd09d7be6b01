"""Client for the Shopify Admin GraphQL API: orders changed in a time range, paged or in bulk.

Points at `https://{shop}` in production and at the simulator in tests; nothing else differs.

Shopify limits GraphQL by calculated query cost: every shop has a bucket of points (2000 on the
standard plan) that refills at a fixed rate (100 a second), and every answer reports what is
left in `extensions.cost.throttleStatus`. The client waits for the bucket before a query it
knows it cannot afford, and when Shopify answers THROTTLED anyway (another process of the app
used the points) it waits exactly as long as the refill needs.
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
from orchestration.connectors.shopify.records import ShopifyOrder, parse_order

# An order's lines are read with it, at most this many; more are flagged, not lost silently.
# A refund gives back at most the order's lines, and (nearly always) its one shipping line.
LINE_ITEMS_PER_ORDER = 10
SHIPPING_LINES_PER_REFUND = 2
# Each order node costs ~110 points with its line items and its refunds' details: 8 a page
# keeps a query under Shopify's single-query limit of 1000.
DEFAULT_PAGE_SIZE = 8
# Refund details of this many orders a query after a bulk read: each order asked for costs 68
# points (its refunds' line items and shipping lines), so 12 stay under the 1000-point limit.
REFUND_DETAILS_PER_QUERY = 12
_FIRST_BULK_POLL_SECONDS = 0.25
_FINISHED_BULK_STATUSES = frozenset({"FAILED", "CANCELED", "EXPIRED"})

_MONEY = "shopMoney { amount currencyCode }"
_VISIT = (
    "id occurredAt source landingPage referrerUrl "
    "utmParameters { source medium campaign content term }"
)
_LINE_ITEM = f"id name sku quantity originalUnitPriceSet {{ {_MONEY} }}"
# A refund with what it gives back: the sales figures book its goods, shipping and taxes apart.
_REFUND = f"""id createdAt totalRefundedSet {{ {_MONEY} }}
        refundLineItems(first: {LINE_ITEMS_PER_ORDER}) {{
          pageInfo {{ hasNextPage }}
          nodes {{ quantity subtotalSet {{ {_MONEY} }} totalTaxSet {{ {_MONEY} }} }}
        }}
        refundShippingLines(first: {SHIPPING_LINES_PER_REFUND}) {{
          pageInfo {{ hasNextPage }}
          nodes {{ subtotalAmountSet {{ {_MONEY} }} taxAmountSet {{ {_MONEY} }} }}
        }}"""
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
query OrdersUpdated($first: Int!, $after: String, $query: String!) {{
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {{
    edges {{
      cursor
      node {{{ORDER_FIELDS}
        refunds {{ {_REFUND} }}
        lineItems(first: {LINE_ITEMS_PER_ORDER}) {{
          pageInfo {{ hasNextPage }}
          edges {{ node {{ {_LINE_ITEM} }} }}
        }}
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

REFUND_DETAILS_QUERY = f"""
query RefundDetails($ids: [ID!]!) {{
  nodes(ids: $ids) {{
    ... on Order {{
      id
      refunds {{ {_REFUND} }}
    }}
  }}
}}"""

RUN_BULK_QUERY_MUTATION = """
mutation RunBulkQuery($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message }
  }
}"""

BULK_OPERATION_QUERY = """
query BulkOperation($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount url }
  }
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
        self._bulk_poll_seconds = bulk_poll_seconds
        self._bulk_timeout_seconds = bulk_timeout_seconds
        # The bucket as the last answer described it: points left, points restored a second.
        self._points_left: float | None = None
        self._restore_rate = 0.0
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
            data = self._query(
                ORDERS_UPDATED_QUERY, {"first": self._page_size, "after": after, "query": search}
            )
            self.usage.pages += 1
            orders = data["orders"]
            for edge in orders["edges"]:
                yield parse_order(edge["node"])
            page_info = orders["pageInfo"]
            if not page_info["hasNextPage"]:
                return
            after = page_info["endCursor"]

    def _bulk_orders(self, search: str) -> Iterator[ShopifyOrder | MalformedRow]:
        bulk_query = BULK_ORDERS_QUERY.replace("{search}", json.dumps(search))
        started = self._query(RUN_BULK_QUERY_MUTATION, {"query": bulk_query})
        payload = started["bulkOperationRunQuery"]
        if payload["userErrors"]:
            messages = "; ".join(error["message"] for error in payload["userErrors"])
            raise ShopifyApiError(f"shop {self.shop_domain}: bulk query refused: {messages}")
        operation_id = payload["bulkOperation"]["id"]
        operation = self._await_bulk(operation_id)
        self.usage.pages += 1
        if operation["url"] is None:  # Shopify gives no file when nothing matched
            return
        refunded: list[dict[str, Any]] = []
        for item in reassemble(self._download(operation["url"])):
            if isinstance(item, MalformedRow):
                yield item
            elif item.get("refunds"):
                refunded.append(item)
                if len(refunded) == REFUND_DETAILS_PER_QUERY:
                    yield from self._with_refund_details(refunded)
                    refunded = []
            else:
                yield parse_order(item)
        yield from self._with_refund_details(refunded)

    def _with_refund_details(
        self, nodes: list[dict[str, Any]]
    ) -> Iterator[ShopifyOrder | MalformedRow]:
        """The bulk file's refunded orders, each refund with what it gives back, read now by
        order id. Only the refunds the file listed are kept (one made since comes with the
        order's next change); an order gone since keeps them without details (flagged)."""
        if not nodes:
            return
        data = self._query(REFUND_DETAILS_QUERY, {"ids": [node["id"] for node in nodes]})
        details = {
            refund["id"]: refund
            for order in data["nodes"]
            if isinstance(order, dict)
            for refund in order.get("refunds") or ()
            if isinstance(refund, dict)
        }
        for node in nodes:
            refunds = [
                details.get(refund.get("id"), refund) if isinstance(refund, dict) else refund
                for refund in node["refunds"]
            ]
            yield parse_order({**node, "refunds": refunds})

    def _await_bulk(self, operation_id: str) -> dict[str, Any]:
        # Small operations finish in a second or two: poll soon, then ever less often.
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
            if operation["status"] == "COMPLETED":
                return operation
            if operation["status"] in _FINISHED_BULK_STATUSES:
                raise ShopifyApiError(
                    f"shop {self.shop_domain}: bulk operation {operation_id} ended "
                    f"{operation['status']} ({operation.get('errorCode')}); the next run retries",
                    code=operation.get("errorCode"),
                )
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

    def _query(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """POST one GraphQL operation, retrying what is worth retrying; returns `data`."""
        body = {"query": query, "variables": dict(variables)}

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
            self._note_bucket(query, (payload.get("extensions") or {}).get("cost"))
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
            return RetryAfter(
                ShopifyApiError("THROTTLED"), None if self._can_await_points(query) else 0.0
            )

        return self._send(
            lambda: self._http.post(
                self._endpoint,
                json=body,
                headers={"X-Shopify-Access-Token": self._access_token},
                timeout=self._timeout,
            ),
            classify,
            before_each=lambda: self._await_points(query),
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

    # -- the cost bucket ---------------------------------------------------------------------

    def _note_bucket(self, query: str, cost: Any) -> None:
        if not isinstance(cost, dict):
            return
        status = cost.get("throttleStatus") or {}
        available, rate = status.get("currentlyAvailable"), status.get("restoreRate")
        if isinstance(available, int | float) and isinstance(rate, int | float) and rate > 0:
            self._points_left, self._restore_rate = float(available), float(rate)
        requested = cost.get("requestedQueryCost")
        if isinstance(requested, int | float):
            self._costs[query] = float(requested)

    def _await_points(self, query: str) -> None:
        """Before a query whose cost an earlier answer told, wait until the bucket holds it.

        Waits as if no time had passed since the last answer: at most a request's latency
        longer than needed, never too short.
        """
        cost = self._costs.get(query)
        if cost is None or self._points_left is None or self._points_left >= cost:
            return
        self._retry.sleep((cost - self._points_left) / self._restore_rate)
        self._points_left = cost

    def _can_await_points(self, query: str) -> bool:
        return query in self._costs and self._points_left is not None


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
