"""The Shopify web pixel (`web/pixel/`): its Vitest tests, and its built bundle in Debian's
Chromium posting to the real intake. A customer journey is stored exactly once although an
answer was lost and the visitor moved on before a batch went out, and the landing reads from it
what attribution needs; a key past its rate waits as long as the intake's Retry-After says.

The page plays Shopify's pixel manager (tests/web/pixel_host.js) on the main thread, where
Shopify runs app pixels in a web worker: the pixel uses nothing either side lacks.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.main import create_app
from metricx.settings import Settings
from orchestration.connectors.quarantine import MalformedRow
from orchestration.defs.shopify_pixel.events import pixel_row
from simulator.merchants import Merchant
from simulator.shopify.pixel_replay import PIXEL_EVENTS_PATH, PIXEL_KEY_HEADER
from simulator.world import World
from stack.demo import upsert_owned_workspace
from stack.web import WEB_DIR, chromium_executable
from tests.helpers import served_app
from warehouse.appdb.credentials import CredentialCipher
from warehouse.appdb.migrate import upgrade
from warehouse.appdb.models import PixelEvent, Provider
from warehouse.appdb.session import open_session
from warehouse.appdb.upserts import ensure_pixel_key, upsert_connection
from warehouse.raw_tables import SHOPIFY_PIXEL_EVENTS

HOST_SCRIPT = Path(__file__).with_name("pixel_host.js")
# Far beyond the pixel's own timings (web/pixel/src/sender.ts DEFAULTS: a batch waits 2 s, the
# first retry at most 1 s) and the rate test's Retry-After of a few seconds.
ANSWER_TIMEOUT_S = 20


def test_pixel_unit_tests_pass(npm: str) -> None:
    completed = subprocess.run(
        [npm, "run", "test:pixel", "--", "--reporter=dot"],
        cwd=WEB_DIR,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


@dataclass(frozen=True)
class Answer:
    """One answer of the API to a posted batch, and when the batch came and the answer left."""

    status: int
    body: dict[str, Any]
    retry_after: str | None
    received_at: float
    answered_at: float


@dataclass
class Intake:
    """The API behind a gateway that can lose an answer: the batch is stored, the pixel is told
    503 (a gateway timing out as the API answers). Keeps every answer the API gave the pixel
    posts, for the tests to read."""

    app: ASGIApp
    answers: list[Answer] = field(default_factory=list)
    lose_next_stored: bool = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != PIXEL_EVENTS_PATH
        ):
            await self.app(scope, receive, send)
            return
        received_at = time.monotonic()
        messages: list[Message] = []

        async def keep(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, keep)
        start = messages[0]
        body = b"".join(message.get("body", b"") for message in messages[1:])
        headers = dict(start["headers"])
        retry_after = headers[b"retry-after"].decode() if b"retry-after" in headers else None
        answer = Answer(start["status"], json.loads(body), retry_after, received_at, 0.0)
        if self.lose_next_stored and start["status"] == 202:
            self.lose_next_stored = False
            # The CORS headers stay: the browser hands the pixel a 503, not a network error.
            kept = [(name, value) for name, value in start["headers"] if name != b"content-length"]
            start = {**start, "status": 503, "headers": [*kept, (b"content-length", b"0")]}
            body = b""
        self.answers.append(replace(answer, answered_at=time.monotonic()))
        await send(start)
        await send({"type": "http.response.body", "body": body})

    def wait_for(self, count: int, since: int) -> list[Answer]:
        """The `count` answers after the first `since`, once given."""
        deadline = time.monotonic() + ANSWER_TIMEOUT_S
        while len(self.answers) < since + count:
            if time.monotonic() > deadline:
                got = len(self.answers) - since
                raise AssertionError(
                    f"the intake got {got} batches, not {count}: {self.answers[since:]}"
                )
            time.sleep(0.05)
        return self.answers[since : since + count]


@dataclass(frozen=True)
class Shop:
    merchant: Merchant
    connection_id: str
    pixel_key: str
    app_db_url: str


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, world: World) -> Shop:
    """The first merchant's workspace and Shopify connection with its pixel key, on a new app
    database."""
    url = f"sqlite:///{tmp_path_factory.mktemp('pixel-appdb') / 'app.db'}"
    upgrade(url)
    merchant = world.merchants[0]
    with open_session(url) as session, session.begin():
        workspace = upsert_owned_workspace(session, merchant)
        connection = upsert_connection(
            session,
            workspace_id=workspace.id,
            provider=Provider.SHOPIFY,
            external_account_id=merchant.shop_domain,
            display_name=merchant.name,
            credentials={"access_token": merchant.shopify_access_token},
            cipher=CredentialCipher(Fernet.generate_key()),
        )
        key = ensure_pixel_key(session, connection)
        connection_id = connection.id
    return Shop(merchant, connection_id, key, url)


@pytest.fixture(scope="module")
def intake(shop: Shop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Intake]]:
    """The API on a real port behind the gateway, taking 10 events a second from a key; its
    base URL and the gateway."""
    settings = Settings(
        app_database_url=shop.app_db_url,
        warehouse_url=f"duckdb:///{tmp_path_factory.mktemp('pixel-warehouse') / 'w.duckdb'}",
        secret_key=Fernet.generate_key().decode(),
        clerk_issuer="http://clerk.invalid",
        clerk_authorized_parties=["http://localhost"],
        pixel_events_per_minute=600,
        pixel_event_burst=500,
    )
    gateway = Intake(create_app(settings, web_dist=None))
    with served_app(lambda _url: gateway) as url:
        yield url, gateway


@pytest.fixture(scope="module")
def bundle(npm: str, intake: tuple[str, Intake], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The pixel's bundle, built as for a deployment whose API is the test's."""
    out = tmp_path_factory.mktemp("pixel-dist")
    subprocess.run(
        [npm, "run", "build:pixel", "--", "--outDir", str(out)],
        cwd=WEB_DIR,
        env={**os.environ, "METRICX_API_PUBLIC_URL": intake[0]},
        check=True,
        capture_output=True,
    )
    return (out / "metricx-pixel.js").read_text()


@contextmanager
def _serve_storefront(page_html: str) -> Iterator[str]:
    """Every path answered with `page_html`, on a free loopback port; yields the base URL.

    On `localhost`, another origin than the API's (`127.0.0.1`), as a shop's is, so every batch
    goes through CORS; and on a loopback address, which Chromium lets call the loopback API (a
    page it considers public may not: Local Network Access).
    """
    body = page_html.encode()

    class Storefront(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Storefront)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class Storefront:
    page: Page
    url: str


@pytest.fixture
def storefront(bundle: str, shop: Shop) -> Iterator[Storefront]:
    """A browser tab on the shop, every page of which runs the pixel with the shop's key."""
    settings = json.dumps({"pixelKey": shop.pixel_key})
    page_html = (
        "<!doctype html><html><head><title>Demo shop</title>"
        f"<script>window.PIXEL_SETTINGS = {settings}; window.CLIENT_ID = 'client-e2e';</script>"
        f"<script>{HOST_SCRIPT.read_text()}</script><script>{bundle}</script>"
        "</head><body>shop</body></html>"
    )
    with _serve_storefront(page_html) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable())
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        yield Storefront(page, url)
        browser.close()
        assert errors == [], errors


def _money(amount: str) -> dict[str, Any]:
    # Shopify's MoneyV2: the amount a JSON number.
    return {"amount": float(amount), "currencyCode": "EUR"}


VARIANT = {
    "id": "gid://shopify/ProductVariant/11",
    "title": "Large",
    "sku": "TEE-L",
    "price": _money("24.50"),
    "product": {
        "id": "gid://shopify/Product/7",
        "title": "Tee",
        "type": "Shirts",
        "vendor": "Demo",
    },
}
CART_LINE = {"quantity": 2, "cost": {"totalAmount": _money("49.00")}, "merchandise": VARIANT}


def _checkout(order: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "token": "e2e-checkout",
        "currencyCode": "EUR",
        "email": "buyer@example.com",
        "subtotalPrice": _money("49.00"),
        "totalPrice": _money("53.90"),
        "totalTax": _money("8.98"),
        "discountsAmount": _money("0.00"),
        "shippingLine": {"price": _money("4.90")},
        "lineItems": [
            {
                "id": "gid://shopify/CheckoutLineItem/1",
                "quantity": 2,
                "finalLinePrice": _money("49.00"),
                "variant": VARIANT,
            }
        ],
        "order": order,
    }


def _journey(
    shop_domain: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """A visitor from a Meta ad: the pages before the first batch, those before moving on, and
    the checkout ending in an order."""
    run = uuid.uuid4().hex[:8]
    landing = f"https://{shop_domain}/?utm_source=facebook&utm_medium=paid&utm_campaign=120001&fbclid=IwAR-{run}"
    product = f"https://{shop_domain}/products/tee"
    checkout = f"https://{shop_domain}/checkouts/cn/{run}"

    def event(name: str, href: str, referrer: str, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": f"e2e-{run}-{name}",
            "name": name,
            "href": href,
            "referrer": referrer,
            "data": data,
        }

    browsing = [
        event("page_viewed", landing, "https://www.facebook.com/", {}),
        event(
            "collection_viewed",
            f"https://{shop_domain}/collections/summer",
            landing,
            {"collection": {"id": "gid://shopify/Collection/3", "title": "Summer"}},
        ),
        event(
            "search_submitted",
            f"https://{shop_domain}/search?q=tee",
            landing,
            {"searchResult": {"query": "tee", "productVariants": [VARIANT]}},
        ),
        event("product_viewed", product, landing, {"productVariant": VARIANT}),
    ]
    carting = [
        event("product_added_to_cart", product, landing, {"cartLine": CART_LINE}),
        event("product_removed_from_cart", product, landing, {"cartLine": CART_LINE}),
    ]
    cart = {
        "id": "gid://shopify/Cart/c1",
        "totalQuantity": 2,
        "cost": {"totalAmount": _money("49.00")},
        "lines": [CART_LINE],
    }
    order = {
        "id": f"gid://shopify/Order/{run}",
        "customer": {"id": "gid://shopify/Customer/42", "isFirstOrder": True},
    }
    checking_out = [
        event("cart_viewed", f"https://{shop_domain}/cart", product, {"cart": cart}),
        *(
            event(name, checkout, f"https://{shop_domain}/cart", {"checkout": _checkout()})
            for name in (
                "checkout_started",
                "checkout_contact_info_submitted",
                "checkout_address_info_submitted",
                "checkout_shipping_info_submitted",
                "payment_info_submitted",
            )
        ),
        event(
            "checkout_completed", f"{checkout}/thank-you", checkout, {"checkout": _checkout(order)}
        ),
    ]
    return browsing, carting, checking_out


def _emit(page: Page, events: list[dict[str, Any]]) -> None:
    page.evaluate("events => events.forEach(window.emitShopifyEvent)", events)


def test_a_journey_reaches_the_intake_once_through_a_lost_answer_and_a_page_change(
    storefront: Storefront, intake: tuple[str, Intake], shop: Shop
) -> None:
    _, gateway = intake
    since = len(gateway.answers)
    browsing, carting, checking_out = _journey(shop.merchant.shop_domain)

    page = storefront.page
    page.goto(f"{storefront.url}/")
    gateway.lose_next_stored = True
    _emit(page, browsing)
    # The first batch is stored but its answer lost: the pixel sends it again.
    lost, retried = gateway.wait_for(2, since)
    _emit(page, carting)
    # The visitor moves on before those two are due: the next page of the tab sends them.
    page.goto(f"{storefront.url}/cart")
    _emit(page, checking_out)
    [last] = gateway.wait_for(1, since + 2)

    assert lost.status == 202 and lost.body["stored"] == len(browsing)
    assert retried.status == 202
    assert (retried.body["stored"], retried.body["duplicates"]) == (0, len(browsing))
    # checkout_completed goes out at once, with the events the previous page left.
    assert last.status == 202 and last.body["stored"] == len(carting) + len(checking_out)
    assert last.body["rejected"] == []
    journey = [event["id"] for event in browsing + carting + checking_out]
    rows = _stored(shop, journey)
    assert Counter(row.event_id for row in rows) == Counter(journey), (
        "an event of the journey is missing or stored twice"
    )
    assert len(gateway.answers) == since + 3, "the pixel sent more than the journey's batches"

    landed = _landed(rows, shop.merchant.shop_domain)
    first, order = landed[browsing[0]["id"]], landed[checking_out[-1]["id"]]
    assert (first["utm_source"], first["utm_campaign"]) == ("facebook", "120001")
    assert first["fbclid"] == browsing[0]["href"].rsplit("fbclid=", 1)[1]
    assert first["referrer"] == "https://www.facebook.com/"
    assert first["client_id"] == "client-e2e"
    assert order["order_id"] == checking_out[-1]["data"]["checkout"]["order"]["id"]
    assert order["customer_id"] == "gid://shopify/Customer/42"
    assert (order["order_total"], order["currency"]) == (Decimal("53.9"), "EUR")
    assert "buyer@example.com" not in " ".join(row.payload for row in rows)


def test_a_key_past_its_rate_waits_as_long_as_the_intake_asks(
    storefront: Storefront, intake: tuple[str, Intake], shop: Shop
) -> None:
    url, gateway = intake
    # The storefront loads first: the bucket refills at 10 events a second, so a slow page load
    # between emptying it and the pixel's batch would let the batch through.
    page = storefront.page
    page.goto(f"{storefront.url}/")
    # Another client of the key (the shop's other visitors) empties its bucket first: batches of
    # 100 events until one is refused, then of 10, then of 1, so fewer than 2 tokens are left
    # (a refused batch of 100 may leave up to 100, enough for the pixel's batch to pass).
    with httpx.Client(base_url=url) as client:
        for size in (100, 10, 1):
            for _ in range(50):
                emptied = client.post(
                    PIXEL_EVENTS_PATH,
                    json={"events": [{"id": "other-visitor"}] * size},
                    headers={PIXEL_KEY_HEADER: shop.pixel_key},
                )
                if emptied.status_code == 429:
                    break
            assert emptied.status_code == 429, size
    since = len(gateway.answers)
    _, _, checking_out = _journey(shop.merchant.shop_domain)
    views = [
        {**checking_out[0], "id": f"{checking_out[0]['id']}-{n}", "name": "page_viewed", "data": {}}
        for n in range(30)
    ]

    _emit(page, [*views, checking_out[-1]])
    answers = gateway.wait_for(1, since)
    while answers[-1].status == 429 and len(answers) < 4:
        answers = gateway.wait_for(len(answers) + 1, since)

    # At 10 events a second: a token for the request, then 31 for its events (over 2 s).
    *refused, accepted = answers
    assert refused and {answer.status for answer in refused} == {429}
    assert accepted.status == 202 and accepted.body["stored"] == 31
    assert max(int(answer.retry_after or 0) for answer in refused) >= 2
    for answer, retry in pairwise(answers):
        # The pixel read Retry-After across origins: its backoff alone retries within 1 s.
        assert answer.retry_after is not None
        assert retry.received_at - answer.answered_at >= int(answer.retry_after)
    sent = [event["id"] for event in [*views, checking_out[-1]]]
    assert Counter(row.event_id for row in _stored(shop, sent)) == Counter(sent)


def _stored(shop: Shop, event_ids: list[str]) -> list[PixelEvent]:
    with open_session(shop.app_db_url) as session:
        return list(
            session.scalars(
                select(PixelEvent).where(
                    PixelEvent.connection_id == shop.connection_id,
                    PixelEvent.event_id.in_(event_ids),
                )
            )
        )


def _landed(rows: list[PixelEvent], shop_domain: str) -> dict[str, dict[str, Any]]:
    """What the landing asset makes of each stored event: the raw table's columns by name."""
    columns = [name for name, _ in SHOPIFY_PIXEL_EVENTS.columns]
    landed: dict[str, dict[str, Any]] = {}
    for row in rows:
        values = pixel_row(row.payload, shop_domain=shop_domain, received_at=datetime.now(UTC))
        assert not isinstance(values, MalformedRow), values
        landed[row.event_id] = dict(zip(columns, values, strict=True))
    return landed
