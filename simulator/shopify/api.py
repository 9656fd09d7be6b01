"""Shopify Admin GraphQL API, as much of it as metricx reads, in the real wire format.

Mounted under `/shopify/{shop}`, so `https://{shop}/admin/api/2025-01/graphql.json` becomes
`{sim}/shopify/{shop}/admin/api/2025-01/graphql.json`. Serves the `orders` connection with its
documented arguments (Shopify's search syntax on the order times and id, the default `ID` sort
and the time sort keys: `orders_query.py`), paged or as bulk operations whose JSONL file is
downloaded from here too, and orders and refunds by id through `node` and `nodes`, with
Shopify's calculated query cost and a leaky bucket per shop (`query_cost.py`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from simulator.shopify.admin_graphql import GraphQLError, Page, check, parse, shape
from simulator.shopify.app_install import SHOPIFY_API_KEY, SHOPIFY_API_SECRET, AppInstalls
from simulator.shopify.faults import ShopifyFailure, ShopifyFault, ShopifyFaults
from simulator.shopify.orders_query import (
    DEFAULT_SORT_KEY,
    SortValue,
    matching_orders,
    parse_search,
    sort_value,
)
from simulator.shopify.query_cost import (
    SINGLE_QUERY_MAX_COST,
    CostBuckets,
    actual_cost,
    requested_cost,
)
from simulator.shopify.records import Channel, Refund, Session, ShopOrder, order_number
from simulator.shopify.schema import SCHEMA
from simulator.shopify.world import ShopWorld
from simulator.world import World

INVALID_TOKEN_MESSAGE = (
    "[API] Invalid API key or access token (unrecognized login or wrong password)"
)
_RATE_LIMITS_DOCS = "https://shopify.dev/api/usage/rate-limits"
_VERSION = re.compile(r"\d{4}-\d{2}|unstable")


@dataclass
class _BulkOperation:
    number: int
    query: str
    created_at: datetime
    lines: list[str]
    root_objects: int
    polls: int = 0

    @property
    def gid(self) -> str:
        return f"gid://shopify/BulkOperation/{self.number}"

    @property
    def status(self) -> str:
        # Each poll moves the operation one step on, so clients go through every state.
        return ("CREATED", "RUNNING")[self.polls] if self.polls < 2 else "COMPLETED"


@dataclass
class _Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class ShopifyApi:
    """The simulated Admin API of every shop of a world: rate limits, bulk operations, faults.

    Get it with `ShopifyApi.of(world)`, so the routes and the tests share one state. The
    bucket reads `clock` (seconds, monotonic): tests pass a clock their injected sleep moves.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self.shops = ShopWorld.of(world)
        self.faults = ShopifyFaults()
        self._lock = threading.Lock()
        self.buckets = CostBuckets()
        self._bulk: dict[str, list[_BulkOperation]] = {}
        self._next_bulk_number = 1
        self.installs = AppInstalls()
        # The web pixel app extension's settings per shop, once `webPixelCreate` made it.
        self.web_pixels: dict[str, str] = {}

    @classmethod
    def of(cls, world: World) -> ShopifyApi:
        """The Admin API of `world`'s shops, made on first use and kept by the world."""
        return world.platform(cls)

    def configure(
        self,
        *,
        maximum_available: float = 2_000.0,
        restore_rate: float = 100.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Set the bucket (Shopify's standard plan: 2000 points, 100 restored a second) and
        start every shop's bucket full."""
        self.buckets.configure(
            maximum_available=maximum_available, restore_rate=restore_rate, clock=clock
        )

    def reset(self) -> None:
        """Standard buckets, no faults, no bulk operations, no currency changes."""
        self.faults.clear()
        self.shops.clear_currency_changes()
        self.configure()
        with self._lock:
            self._bulk.clear()

    # -- requests ----------------------------------------------------------------------------

    def graphql(
        self,
        shop: str,
        version: str,
        token: str | None,
        body: bytes,
        bulk_url: Callable[[int], str],
    ) -> _Answer:
        merchant = self.shops.merchant_by_shop(shop)
        if merchant is None or not _VERSION.fullmatch(version):
            return _Answer(404, {"errors": "Not Found"})
        if not self.installs.valid(merchant, token):
            return _Answer(401, {"errors": INVALID_TOKEN_MESSAGE})
        try:
            payload = json.loads(body)
            source = payload["query"]
            variables = payload.get("variables") or {}
            if not isinstance(source, str) or not isinstance(variables, dict):
                raise TypeError("query must be a string and variables an object")
        except (ValueError, KeyError, TypeError):
            return _Answer(400, {"errors": {"query": "Required parameter missing or invalid"}})
        failure = self.faults.take_failure(shop)
        if failure is not None and failure.kind is not ShopifyFault.THROTTLED:
            return _failed(failure)
        try:
            operation = parse(source)
            checked = check(operation, SCHEMA, variables)
        except GraphQLError as error:
            return _Answer(200, {"errors": [error.as_dict()]})
        requested = requested_cost(checked)
        if requested > SINGLE_QUERY_MAX_COST:
            message = (
                f"Query cost is {requested}, which exceeds the single query max cost limit "
                f"({SINGLE_QUERY_MAX_COST}). See {_RATE_LIMITS_DOCS} for more information on "
                "how the cost of a query is calculated. To query larger amounts of data with "
                "fewer limits, bulk operations should be used instead."
            )
            too_costly = GraphQLError(message, code="MAX_COST_EXCEEDED")
            return _Answer(200, {"errors": [too_costly.as_dict()]})
        if failure is not None and failure.kind is ShopifyFault.THROTTLED:
            self.buckets.drain(shop)
        if not self.buckets.take(shop, requested):
            return _Answer(
                200,
                {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {"code": "THROTTLED", "documentation": _RATE_LIMITS_DOCS},
                        }
                    ],
                    "extensions": {"cost": self.buckets.cost_extension(shop, requested, None)},
                },
            )
        try:
            root = self._root_value(shop, bulk_url)
            data = shape(operation.selections, root, checked)
        except GraphQLError as error:
            self.buckets.refund(shop, requested)
            return _Answer(200, {"errors": [error.as_dict()]})
        actual = actual_cost(checked, data)
        self.buckets.refund(shop, requested - actual)
        if self.faults.unknown_fields:
            _add_unknown_fields(data)
        cost = self.buckets.cost_extension(shop, requested, actual)
        return _Answer(200, {"data": data, "extensions": {"cost": cost}})

    def bulk_file(self, shop: str, number: int) -> str | None:
        with self._lock:
            for operation in self._bulk.get(shop, []):
                if operation.number == number and operation.status == "COMPLETED":
                    return "".join(f"{line}\n" for line in operation.lines)
        return None

    # -- resolvers -------------------------------------------------------------------------

    def _root_value(self, shop: str, bulk_url: Callable[[int], str]) -> dict[str, Any]:
        return {
            "orders": lambda args: self._orders_page(shop, args),
            "currentBulkOperation": lambda args: self._current_bulk(shop, bulk_url),
            "node": lambda args: self._node(shop, args.get("id"), bulk_url),
            "nodes": lambda args: [
                self._node(shop, gid, bulk_url) for gid in args.get("ids") or ()
            ],
            "bulkOperationRunQuery": lambda args: self._run_bulk(shop, args.get("query")),
            "webPixelCreate": lambda args: self._create_web_pixel(shop, args.get("webPixel")),
        }

    def _create_web_pixel(self, shop: str, web_pixel: Any) -> dict[str, Any]:
        """The app's web pixel on the shop, with its settings (a JSON string of the values the
        extension's `shopify.extension.toml` declares); one per app and shop."""
        settings = web_pixel.get("settings") if isinstance(web_pixel, dict) else None
        try:
            valid = isinstance(settings, str) and isinstance(json.loads(settings), dict)
        except ValueError:
            valid = False
        if not valid or not isinstance(settings, str):
            return _pixel_error("INVALID_SETTINGS", "Settings are invalid")
        with self._lock:
            if shop in self.web_pixels:
                return _pixel_error("TAKEN", "Web pixel is taken")
            self.web_pixels[shop] = settings
        return {
            "webPixel": {
                "id": f"gid://shopify/WebPixel/{_pixel_number(shop)}",
                "settings": settings,
            },
            "userErrors": [],
        }

    def _orders_page(self, shop: str, args: dict[str, Any]) -> Page:
        merchant = self.shops.merchant_by_shop(shop)
        assert merchant is not None  # requests for unknown shops are answered 404 first
        now = self.world.now()
        search = parse_search(args.get("query"), merchant.tz, now)
        sort_key = args.get("sortKey")
        order_by = sort_value(sort_key)
        reverse = bool(args.get("reverse"))
        orders = sorted(
            matching_orders(self.shops, shop, search, now), key=order_by, reverse=reverse
        )
        if args.get("after"):
            after = _decode_cursor(args["after"], sort_key)
            orders = [
                order
                for order in orders
                if (order_by(order) < after if reverse else order_by(order) > after)
            ]
        first = args.get("first")
        page = orders if first is None else orders[:first]
        return Page(
            [(_encode_cursor(order_by(order)), self._order_value(order)) for order in page],
            has_next_page=first is not None and len(orders) > first,
        )

    def _node(self, shop: str, gid: Any, bulk_url: Callable[[int], str]) -> dict[str, Any] | None:
        """`node(id:)` and `nodes(ids:)`: the shop's order, refund or bulk operation of that
        global id, null for any other id."""
        kind = gid.split("/")[3] if isinstance(gid, str) and gid.count("/") == 4 else None
        if kind == "BulkOperation":
            return self._bulk_node(shop, gid, bulk_url)
        if kind == "Refund":
            # A refund's number is its order's number and its place among the order's refunds.
            number = gid.rsplit("/", 1)[1]
            order_id = f"gid://shopify/Order/{number[:-1]}" if number.isdigit() else ""
            order = self.shops.order(shop, order_id)
            value = None if order is None else self._order_value(order)
            refunds = [] if value is None else value["refunds"]
            return next(({"__typename": "Refund", **r} for r in refunds if r["id"] == gid), None)
        order = self.shops.order(shop, gid) if kind == "Order" else None
        return None if order is None else {"__typename": "Order", **self._order_value(order)}

    def _order_value(self, order: ShopOrder) -> dict[str, Any]:
        currency = order.currency
        amounts = {
            "totalPriceSet": order.total,
            "subtotalPriceSet": order.subtotal,
            "totalDiscountsSet": order.total_discounts,
            "totalShippingPriceSet": order.shipping,
            "totalTaxSet": order.tax,
            "totalRefundedSet": order.total_refunded,
        }
        value: dict[str, Any] = {
            name: _money_bag(_decimal_text(amount), currency) for name, amount in amounts.items()
        }
        if self.faults.amount_corrupted(order.order_id):
            value["totalPriceSet"] = _money_bag(
                _decimal_text(order.total).replace(".", ","), currency
            )
        items: list[dict[str, Any]] = [
            {
                "id": item.line_item_id,
                "name": item.title,
                "sku": item.sku,
                "quantity": item.quantity,
                "originalUnitPriceSet": _money_bag(_decimal_text(item.unit_price), currency),
            }
            for item in order.line_items
        ]
        items_by_id = {
            item.line_item_id: value for item, value in zip(order.line_items, items, strict=True)
        }
        value.update(
            {
                "id": order.order_id,
                "legacyResourceId": order.order_id.rsplit("/", 1)[1],
                "name": order.name,
                "createdAt": _timestamp(order.created_at),
                "updatedAt": _timestamp(order.updated_at),
                "processedAt": _timestamp(order.processed_at),
                "cancelledAt": _timestamp(order.cancelled_at),
                "test": order.test,
                "currencyCode": currency,
                "presentmentCurrencyCode": currency,
                "taxesIncluded": order.taxes_included,
                "displayFinancialStatus": order.financial_status,
                "displayFulfillmentStatus": order.fulfillment_status,
                "customer": None
                if order.customer_id is None
                else {"id": order.customer_id, "numberOfOrders": str(order.customer_orders_count)},
                "customerJourneySummary": _journey(order),
                "refunds": [
                    _refund_value(refund, items_by_id, currency) for refund in order.refunds
                ],
                "lineItems": lambda args: _list_page(items, args),
                "shippingLine": _shipping_line_value(order),
            }
        )
        return value

    # -- bulk operations ---------------------------------------------------------------------

    def _run_bulk(self, shop: str, query: Any) -> dict[str, Any]:
        with self._lock:
            running = next(
                (op for op in self._bulk.get(shop, []) if op.status != "COMPLETED"), None
            )
        if running is not None:
            return _bulk_refused(
                f"A bulk query operation for this app and shop is already in progress: "
                f"{running.gid}.",
                field=None,
                code="OPERATION_IN_PROGRESS",
            )
        try:
            if not isinstance(query, str):
                raise GraphQLError("Invalid bulk query: query must be a string")
            operation = parse(query)
            checked = check(operation, SCHEMA, {}, bulk=True)
            top = operation.selections
            if operation.kind != "query" or [getattr(s, "name", None) for s in top] != ["orders"]:
                raise GraphQLError("Bulk queries must select one top-level connection: orders")
            data = shape(operation.selections, self._root_value(shop, lambda number: ""), checked)
            lines = list(_bulk_lines(data["orders"]))
        except GraphQLError as error:
            return _bulk_refused(f"Invalid bulk query: {error.message}", field=["query"])
        roots = sum(1 for line in lines if "__parentId" not in line)
        if self.faults.unknown_fields:
            lines = [{**line, "poNumber": None} for line in lines]
        texts = [json.dumps(line, separators=(",", ":")) for line in lines]
        if self.faults.take_bulk_truncation() and len(texts) > 1:
            order_lines = [n for n, line in enumerate(lines) if "__parentId" not in line]
            cut = order_lines[min(1, len(order_lines) - 1)]
            texts[cut] = texts[cut][: len(texts[cut]) // 2]
        with self._lock:
            operation_state = _BulkOperation(
                self._next_bulk_number, query, self.world.now(), texts, roots
            )
            self._next_bulk_number += 1
            self._bulk.setdefault(shop, []).append(operation_state)
            value = _bulk_value(operation_state, lambda number: "")
        return {"bulkOperation": value, "userErrors": []}

    def _current_bulk(self, shop: str, bulk_url: Callable[[int], str]) -> dict[str, Any] | None:
        with self._lock:
            operations = self._bulk.get(shop)
            if not operations:
                return None
            operations[-1].polls += 1
            return _bulk_value(operations[-1], bulk_url)

    def _bulk_node(
        self, shop: str, gid: Any, bulk_url: Callable[[int], str]
    ) -> dict[str, Any] | None:
        with self._lock:
            for operation in self._bulk.get(shop, []):
                if operation.gid == gid:
                    operation.polls += 1
                    return _bulk_value(operation, bulk_url)
        return None


def _pixel_error(code: str, message: str) -> dict[str, Any]:
    return {
        "webPixel": None,
        "userErrors": [{"field": ["webPixel"], "message": message, "code": code}],
    }


def _pixel_number(shop: str) -> int:
    return int.from_bytes(shop.encode()[:6], "big") % 1_000_000


def build_shopify_router(world: World) -> APIRouter:
    """Routes meant to be mounted at `/shopify/{shop}`."""
    api = ShopifyApi.of(world)
    router = APIRouter(tags=["shopify simulator"])

    @router.get("/admin/oauth/authorize")
    def authorize(shop: str, request: Request) -> Response:
        params = request.query_params
        merchant = api.shops.merchant_by_shop(shop)
        redirect_uri = params.get("redirect_uri", "")
        if merchant is None:
            return PlainTextResponse("There is no store at this address.", status_code=404)
        if params.get("client_id") != SHOPIFY_API_KEY or not redirect_uri:
            return PlainTextResponse("Oauth error invalid_request", status_code=400)
        if api.installs.install_declined:
            return PlainTextResponse("The app was not installed.", status_code=200)
        query = api.installs.callback_query(
            merchant,
            redirect_uri,
            params.get("scope", ""),
            params.get("state"),
            int(world.now().timestamp()),
        )
        return RedirectResponse(f"{redirect_uri}?{query}", status_code=302)

    @router.post("/admin/oauth/access_token")
    async def access_token(shop: str, request: Request) -> JSONResponse:
        try:
            payload = json.loads(await request.body())
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or (
            payload.get("client_id"),
            payload.get("client_secret"),
        ) != (SHOPIFY_API_KEY, SHOPIFY_API_SECRET):
            return JSONResponse({"error": "invalid_client"}, status_code=400)
        granted = api.installs.exchange(str(payload.get("code", "")))
        if granted is None or granted[0].shop_domain != shop:
            return JSONResponse(
                {
                    "error": "invalid_request",
                    "error_description": "The authorization code was not found or was already used",
                },
                status_code=400,
            )
        _merchant, token, scopes = granted
        return JSONResponse({"access_token": token, "scope": scopes})

    @router.delete("/admin/api_permissions/current.json")
    def uninstall(shop: str, request: Request) -> JSONResponse:
        """The app uninstalls itself from the shop (REST, unversioned): every token the shop
        gave the app stops working."""
        merchant = api.shops.merchant_by_shop(shop)
        if merchant is None or not api.installs.valid(
            merchant, request.headers.get("X-Shopify-Access-Token")
        ):
            return JSONResponse({"errors": INVALID_TOKEN_MESSAGE}, status_code=401)
        api.installs.revoke(merchant)
        return JSONResponse({})

    @router.post("/admin/api/{version}/graphql.json")
    async def graphql(shop: str, version: str, request: Request) -> Response:
        body = await request.body()

        def bulk_url(number: int) -> str:
            return str(request.url_for("shopify_bulk_result", shop=shop, number=str(number)))

        # The world's order book is computed, not looked up: keep it off the event loop.
        answer = await run_in_threadpool(
            api.graphql,
            shop,
            version,
            request.headers.get("X-Shopify-Access-Token"),
            body,
            bulk_url,
        )
        return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)

    @router.get("/bulk-results/{number}.jsonl", name="shopify_bulk_result")
    def bulk_result(shop: str, number: int) -> Response:
        # Shopify hands out a signed storage URL: no access token is needed to download.
        text = api.bulk_file(shop, number)
        if text is None:
            return PlainTextResponse("NoSuchKey", status_code=404)
        return PlainTextResponse(text, media_type="application/jsonl")

    return router


def _failed(failure: ShopifyFailure) -> _Answer:
    if failure.kind is ShopifyFault.TOO_MANY_REQUESTS:
        return _Answer(
            429,
            {
                "errors": "Exceeded 2 calls per second for api client. Reduce request rates to "
                "resume uninterrupted service."
            },
            {"Retry-After": f"{failure.retry_after_seconds:.1f}"},
        )
    return _Answer(503, {"errors": "Service Unavailable: please try again shortly"})


def _journey(order: ShopOrder) -> dict[str, Any]:
    ready = order.journey_ready
    return {
        "ready": ready,
        "customerOrderIndex": order.customer_order_index,
        "daysToConversion": order.days_to_conversion if ready else None,
        "firstVisit": _visit(order.first_visit) if ready else None,
        "lastVisit": _visit(order.last_visit) if ready else None,
    }


def _visit(session: Session) -> dict[str, Any]:
    utm = session.utm
    has_utm = any((utm.source, utm.medium, utm.campaign, utm.content, utm.term))
    return {
        "id": session.visit_id,
        "landingPage": session.landing_page,
        "referrerUrl": session.referrer_url,
        "occurredAt": _timestamp(session.started_at),
        "source": _visit_source(session),
        "utmParameters": {
            "source": utm.source,
            "medium": utm.medium,
            "campaign": utm.campaign,
            "content": utm.content,
            "term": utm.term,
        }
        if has_utm
        else None,
    }


def _visit_source(session: Session) -> str:
    if session.channel is Channel.META:
        return "facebook"
    if session.channel is Channel.EMAIL:
        return "email"
    if session.referrer_url is None:
        return "direct"
    host = session.referrer_url.split("/")[2]
    return host.removeprefix("www.").removeprefix("l.").removeprefix("m.").split(".")[0]


def _refund_value(
    refund: Refund, line_items: dict[str, dict[str, Any]], currency: str
) -> dict[str, Any]:
    """A refund with what it returns; money as the order's (tax inside when prices include it)."""
    refund_no = int(refund.refund_id.rsplit("/", 1)[1])
    returned = [
        {
            "id": f"gid://shopify/RefundLineItem/{refund_no * 100 + n}",
            "quantity": item.quantity,
            "lineItem": line_items[item.line_item_id],
            "priceSet": line_items[item.line_item_id]["originalUnitPriceSet"],
            "subtotalSet": _money_bag(_decimal_text(item.subtotal), currency),
            "totalTaxSet": _money_bag(_decimal_text(item.tax), currency),
        }
        for n, item in enumerate(refund.line_items)
    ]
    shipping = [
        {
            "id": f"gid://shopify/RefundShippingLine/{refund_no}",
            "subtotalAmountSet": _money_bag(_decimal_text(refund.shipping), currency),
            "taxAmountSet": _money_bag(_decimal_text(refund.shipping_tax), currency),
        }
    ]
    return {
        "id": refund.refund_id,
        "createdAt": _timestamp(refund.created_at),
        "totalRefundedSet": _money_bag(_decimal_text(refund.amount), currency),
        "refundLineItems": lambda args: _list_page(returned, args),
        # Shipping given back is a line of its own; none when the refund keeps the shipping.
        "refundShippingLines": lambda args: _list_page(shipping if refund.shipping else [], args),
    }


def _shipping_line_value(order: ShopOrder) -> dict[str, Any]:
    """The order's one shipping line (a free one when shipping costs nothing)."""
    currency = order.currency
    tax_lines = []
    if order.shipping_tax:
        tax_lines.append(
            {
                "title": "VAT" if order.taxes_included else "Sales tax",
                "priceSet": _money_bag(_decimal_text(order.shipping_tax), currency),
            }
        )
    return {
        "id": f"gid://shopify/ShippingLine/{order_number(order)}",
        "title": "Standard" if order.shipping else "Free shipping",
        "originalPriceSet": _money_bag(_decimal_text(order.shipping), currency),
        "taxLines": tax_lines,
    }


def _list_page(items: list[dict[str, Any]], args: dict[str, Any]) -> Page:
    start = _cursor_last(args["after"])[0] + 1 if args.get("after") else 0
    first = args.get("first")
    end = len(items) if first is None else start + first
    return Page(
        [(_cursor_text({"last_id": n}), items[n]) for n in range(start, min(end, len(items)))],
        has_next_page=end < len(items),
    )


def _bulk_lines(
    connection_value: dict[str, Any], parent_id: str | None = None
) -> Iterator[dict[str, Any]]:
    """Flatten a connection as a bulk file does: one line per node, nested connections' nodes
    on lines of their own after their parent, pointing back with `__parentId`."""
    for edge in connection_value.get("edges", []):
        node = dict(edge["node"])
        nested = {
            name: value
            for name, value in node.items()
            if isinstance(value, dict) and "edges" in value
        }
        if nested and "id" not in node:
            raise GraphQLError(
                "The parent 'node' field for a nested connection must select the 'id' field."
            )
        for name in nested:
            del node[name]
        yield node if parent_id is None else {**node, "__parentId": parent_id}
        for value in nested.values():
            yield from _bulk_lines(value, node["id"])


def _bulk_value(operation: _BulkOperation, bulk_url: Callable[[int], str]) -> dict[str, Any]:
    status = operation.status
    done = status == "COMPLETED"
    objects = len(operation.lines) if done else len(operation.lines) // 2 * (status == "RUNNING")
    size = sum(len(line) + 1 for line in operation.lines)
    return {
        "__typename": "BulkOperation",
        "id": operation.gid,
        "status": status,
        "errorCode": None,
        "createdAt": _timestamp(operation.created_at),
        "completedAt": _timestamp(operation.created_at + timedelta(seconds=2)) if done else None,
        "objectCount": str(objects),
        "rootObjectCount": str(operation.root_objects if done else 0),
        "fileSize": str(size) if done and operation.lines else None,
        # Shopify gives no URL when the query matched nothing.
        "url": bulk_url(operation.number) if done and operation.lines else None,
        "partialDataUrl": None,
        "query": operation.query,
        "type": "QUERY",
    }


def _bulk_refused(
    message: str, *, field: list[str] | None, code: str | None = None
) -> dict[str, Any]:
    return {
        "bulkOperation": None,
        "userErrors": [{"field": field, "message": message, "code": code}],
    }


def _add_unknown_fields(data: dict[str, Any]) -> None:
    for value in data.values():
        for edge in (value or {}).get("edges", []) if isinstance(value, dict) else []:
            node = edge.get("node")
            if isinstance(node, dict):
                node["merchantOfRecordApp"] = {"id": "gid://shopify/App/1", "title": "Sim"}
                node["poNumber"] = None


def _encode_cursor(value: SortValue) -> str:
    """Shopify's cursor names the last node's id and its value of the sort key."""
    if len(value) == 1:
        return _cursor_text({"last_id": value[0], "last_value": str(value[0])})
    moment, number = value
    return _cursor_text({"last_id": number, "last_value": moment.isoformat()})


def _cursor_text(content: dict[str, Any]) -> str:
    # Shopify's cursors are base64 JSON; clients must treat them as opaque.
    return base64.b64encode(json.dumps(content, separators=(",", ":")).encode()).decode()


def _cursor_last(cursor: Any) -> tuple[int, Any]:
    """The id and the sort key's value of the node a cursor names."""
    try:
        content = json.loads(base64.b64decode(str(cursor), validate=True))
        return int(content["last_id"]), content.get("last_value")
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}") from exc


def _decode_cursor(cursor: Any, sort_key: str | None) -> SortValue:
    number, value = _cursor_last(cursor)
    if (sort_key or DEFAULT_SORT_KEY) == DEFAULT_SORT_KEY:
        return (number,)
    try:
        return datetime.fromisoformat(value), number
    except (ValueError, TypeError) as exc:
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}") from exc


def _money_bag(amount: str, currency: str) -> dict[str, Any]:
    money = {"amount": amount, "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": money}


def _decimal_text(amount: Decimal) -> str:
    """A Decimal as Shopify writes one: trailing zeros dropped, at least one decimal place."""
    normalized = amount.normalize()
    if normalized == normalized.to_integral_value():
        return f"{normalized:.1f}"
    return f"{normalized:f}"


def _timestamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
