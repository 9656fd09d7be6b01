"""The pixel intake over HTTP: the simulated shop's storefront events, as its web pixel sends them,
stored in the app database's inbox for the pipeline to land. On both app-database backends."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from api.main import create_app
from api.pixel.dependencies import receipt_clock
from api.pixel.schemas import MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH
from metricx.settings import Settings
from simulator.merchants import Merchant
from simulator.shopify.pixel_replay import (
    PIXEL_EVENTS_PATH,
    PIXEL_KEY_HEADER,
    PixelBatch,
    pixel_batches,
)
from simulator.world import World
from tests.api.conftest import seed_app_db
from warehouse.appdb.credentials import CredentialCipher
from warehouse.appdb.models import Connection, PixelEvent, Provider, Workspace
from warehouse.appdb.session import open_session
from warehouse.appdb.upserts import ensure_pixel_key, upsert_connection

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def pixel_db_url(request: pytest.FixtureRequest, merchants: list[Merchant]) -> str:
    """The app database the intake writes: the suite's SQLite one, or a PostgreSQL one seeded
    alike (PostgreSQL refuses NUL characters and lets concurrent writers race for real)."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("app_db_url"))
    url = request.getfixturevalue("create_postgres_database")("pixel")
    seed_app_db(url, merchants)
    return str(url)


@pytest.fixture
def settings(settings: Settings, pixel_db_url: str) -> Settings:
    return settings.model_copy(update={"app_database_url": pixel_db_url})


@pytest.fixture(scope="module")
def shop(pixel_db_url: str, merchants: list[Merchant]) -> tuple[Connection, str]:
    """demo-1's Shopify connection and its pixel key."""
    return _shop_connection(pixel_db_url, merchants[0])


@pytest.fixture(scope="module")
def other_shop(pixel_db_url: str, merchants: list[Merchant]) -> tuple[Connection, str]:
    """demo-2's Shopify connection and its pixel key."""
    return _shop_connection(pixel_db_url, merchants[1])


def _shop_connection(url: str, merchant: Merchant) -> tuple[Connection, str]:
    with open_session(url) as session, session.begin():
        workspace = session.scalar(select(Workspace).where(Workspace.slug == merchant.slug))
        assert workspace is not None
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
    return connection, key


@pytest.fixture(scope="module")
def batch(world: World, merchants: list[Merchant]) -> PixelBatch:
    """An hour of the shop's traffic a day ago, checkouts included, as one batch."""
    end = world.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    for hours in range(1, 48):
        batches = list(
            pixel_batches(world, merchants[0].shop_domain, end - timedelta(hours=hours), end)
        )
        events = [event for batch in batches for event in batch.body["events"]]
        events = events[:MAX_EVENTS_PER_BATCH]
        if any(event["name"] == "checkout_completed" for event in events):
            return PixelBatch(sent_at=end, body={"events": events})
    raise AssertionError("the shop sold nothing for two days")


def _stored(pixel_db_url: str, connection_id: str) -> dict[str, PixelEvent]:
    with open_session(pixel_db_url) as session:
        rows = session.scalars(select(PixelEvent).where(PixelEvent.connection_id == connection_id))
        return {row.event_id: row for row in rows}


def _stored_ids(pixel_db_url: str, connection_id: str) -> list[str]:
    """Every stored event id of the connection, as many times as it is stored."""
    with open_session(pixel_db_url) as session:
        return list(
            session.scalars(
                select(PixelEvent.event_id).where(PixelEvent.connection_id == connection_id)
            )
        )


def _clear(pixel_db_url: str, connection_id: str) -> None:
    with open_session(pixel_db_url) as session, session.begin():
        session.query(PixelEvent).filter(PixelEvent.connection_id == connection_id).delete()


async def _post(client: httpx.AsyncClient, key: str, body: object) -> httpx.Response:
    # Encoded here, ASCII-escaped: httpx would refuse to encode a lone surrogate as UTF-8.
    return await _post_raw(client, key, json.dumps(body).encode())


async def _post_raw(client: httpx.AsyncClient, key: str, body: bytes) -> httpx.Response:
    headers = {PIXEL_KEY_HEADER: key, "Content-Type": "application/json"}
    return await client.post(PIXEL_EVENTS_PATH, content=body, headers=headers)


def _page_views(batch: PixelBatch) -> list[dict[str, Any]]:
    return [e for e in batch.body["events"] if e["name"] != "checkout_completed"]


def _checkout(batch: PixelBatch) -> dict[str, Any]:
    return next(e for e in batch.body["events"] if e["name"] == "checkout_completed")


def _on_page(event: dict[str, Any], url: str) -> dict[str, Any]:
    moved = copy.deepcopy(event)
    moved["context"]["document"]["location"]["href"] = url
    return moved


def _rejected_types(response: httpx.Response) -> dict[int, str]:
    return {r["index"]: r["errors"][0]["type"] for r in response.json()["rejected"]}


async def test_a_valid_batch_is_stored_once_per_event_id(
    client: httpx.AsyncClient, pixel_db_url: str, shop: tuple[Connection, str], batch: PixelBatch
) -> None:
    connection, key = shop
    _clear(pixel_db_url, connection.id)
    events = batch.body["events"]

    first = await _post(client, key, batch.body)
    retried = await _post(client, key, batch.body)

    assert first.status_code == 202
    assert first.json() == {
        "received": len(events),
        "stored": len(events),
        "duplicates": 0,
        "rejected": [],
    }
    assert retried.status_code == 202
    assert retried.json()["stored"] == 0
    assert retried.json()["duplicates"] == len(events)
    stored = _stored(pixel_db_url, connection.id)
    assert set(stored) == {event["id"] for event in events}
    for event in events:
        row = stored[event["id"]]
        assert row.workspace_id == connection.workspace_id
        assert row.occurred_at == datetime.fromisoformat(event["timestamp"])
        assert row.received_at.tzinfo is not None


async def test_a_malformed_event_is_reported_and_the_others_stored(
    client: httpx.AsyncClient, pixel_db_url: str, shop: tuple[Connection, str], batch: PixelBatch
) -> None:
    connection, key = shop
    _clear(pixel_db_url, connection.id)
    # Five events besides the checkout, whatever the hour of traffic holds.
    events = copy.deepcopy(
        [e for e in batch.body["events"] if e["name"] != "checkout_completed"][:5]
    )
    checkout = next(e for e in batch.body["events"] if e["name"] == "checkout_completed")
    no_order = copy.deepcopy(checkout)
    del no_order["data"]["checkout"]["order"]
    no_timezone = copy.deepcopy(events[1])
    no_timezone["id"] = "naive-timestamp"
    no_timezone["timestamp"] = "2026-11-19T10:00:00"
    # A JSON number, as Shopify sends MoneyV2 amounts: read exactly, no float.
    numeric_total = copy.deepcopy(checkout)
    numeric_total["data"]["checkout"]["totalPrice"]["amount"] = 0.1
    posted = [*events, no_order, no_timezone, numeric_total]

    response = await _post(client, key, {"events": posted})

    assert response.status_code == 202
    body = response.json()
    assert [rejected["index"] for rejected in body["rejected"]] == [5, 6]
    assert body["stored"] == len(events) + 1
    assert set(_stored(pixel_db_url, connection.id)) == {e["id"] for e in [*events, checkout]}


async def test_an_unknown_key_is_refused(client: httpx.AsyncClient, batch: PixelBatch) -> None:
    unknown = await _post(client, "pk_not-a-key", batch.body)
    missing = await client.post(PIXEL_EVENTS_PATH, json=batch.body)

    for response in (unknown, missing):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"


async def test_oversized_batches_are_refused(
    client: httpx.AsyncClient, pixel_db_url: str, shop: tuple[Connection, str], batch: PixelBatch
) -> None:
    connection, key = shop
    _clear(pixel_db_url, connection.id)
    event = batch.body["events"][0]
    too_many = [{**event, "id": f"e{n}"} for n in range(MAX_EVENTS_PER_BATCH + 1)]
    too_big = [{**event, "id": f"big{n}", "padding": "x" * 10_000} for n in range(60)]
    assert len(too_big) * 10_000 > MAX_BODY_BYTES

    for events in (too_many, too_big):
        response = await _post(client, key, {"events": events})
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
    assert _stored_ids(pixel_db_url, connection.id) == []


async def test_storefronts_may_post_cross_origin_but_the_merchant_api_stays_closed(
    client: httpx.AsyncClient,
) -> None:
    preflight = {
        "Origin": "https://demo-1.myshopify.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": f"content-type,{PIXEL_KEY_HEADER.lower()}",
    }
    pixel = await client.options(PIXEL_EVENTS_PATH, headers=preflight)
    merchant_api = await client.options("/v1/workspaces", headers=preflight)
    posted = await client.post(
        PIXEL_EVENTS_PATH,
        json={"events": []},
        headers={"Origin": preflight["Origin"], PIXEL_KEY_HEADER: "unknown"},
    )

    assert pixel.status_code == 200
    assert pixel.headers["access-control-allow-origin"] == "*"
    assert PIXEL_KEY_HEADER.lower() in pixel.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in merchant_api.headers
    # The pixel's script reads a 429's Retry-After only if the answers expose it.
    assert posted.status_code == 401
    assert posted.headers["access-control-allow-origin"] == "*"
    assert "retry-after" in posted.headers["access-control-expose-headers"].lower()


async def test_hostile_events_are_rejected_one_by_one_and_the_others_stored(
    client: httpx.AsyncClient,
    pixel_db_url: str,
    shop: tuple[Connection, str],
    batch: PixelBatch,
    merchants: list[Merchant],
) -> None:
    connection, key = shop
    _clear(pixel_db_url, connection.id)
    valid = copy.deepcopy(_page_views(batch)[:3])
    template = valid[0]
    now = datetime.now(UTC)

    def edited(**fields: Any) -> dict[str, Any]:
        return {**copy.deepcopy(template), "id": f"hostile-{uuid.uuid4().hex}", **fields}

    nested: dict[str, Any] = {}
    for _ in range(40):
        nested = {"inner": nested}
    hostile = {
        "timestamp_range": [
            # Valid texts whose UTC moment falls outside the years 1 to 9999.
            edited(timestamp="0001-01-01T00:00:00+01:00"),
            edited(timestamp="9999-12-31T23:59:59-01:00"),
        ],
        "nul_character": [
            edited(id="order\x00id"),  # PostgreSQL refuses NUL in text
            edited(data={"note": "a\x00b"}),
            edited(**{"key\x00": 1}),
        ],
        "lone_surrogate": [edited(clientId="\ud800")],
        "nesting_depth": [edited(data=nested)],
        "timestamp_type": [edited(timestamp=1_700_000_000)],  # unix seconds: the landing can't
        "foreign_page": [
            _on_page(edited(), f"https://{merchants[1].shop_domain}/products/x"),
            _on_page(edited(), f"https://{merchants[0].shop_domain}.evil.example/"),
            _on_page(edited(), "http://[::1/"),
        ],
        "too_old": [edited(timestamp=(now - timedelta(days=7, minutes=5)).isoformat())],
        "in_the_future": [edited(timestamp=(now + timedelta(minutes=15)).isoformat())],
    }
    posted = [*valid]
    expected: dict[int, str] = {}
    for reason, events in hostile.items():
        for event in events:
            expected[len(posted)] = reason
            posted.append(event)

    response = await _post(client, key, {"events": posted})

    assert response.status_code == 202
    assert _rejected_types(response) == expected
    assert response.json()["stored"] == len(valid)
    assert sorted(_stored_ids(pixel_db_url, connection.id)) == sorted(e["id"] for e in valid)


async def test_events_within_the_receipt_window_are_stored(
    client: httpx.AsyncClient, pixel_db_url: str, shop: tuple[Connection, str], batch: PixelBatch
) -> None:
    """The window's edges: a visitor's clock a few minutes fast, a pixel retrying for days."""
    connection, key = shop
    _clear(pixel_db_url, connection.id)
    template = _page_views(batch)[0]
    now = datetime.now(UTC)
    moments = [now - timedelta(days=6, hours=23), now + timedelta(minutes=9)]
    events = [
        {**template, "id": f"edge-{n}", "timestamp": moment.isoformat()}
        for n, moment in enumerate(moments)
    ]

    response = await _post(client, key, {"events": events})

    assert response.json()["rejected"] == []
    assert sorted(_stored_ids(pixel_db_url, connection.id)) == ["edge-0", "edge-1"]


async def test_a_checkout_forged_for_another_shop_never_reaches_the_inbox(
    client: httpx.AsyncClient,
    pixel_db_url: str,
    shop: tuple[Connection, str],
    batch: PixelBatch,
    merchants: list[Merchant],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With demo-1's public key, a $99,999.99 order on demo-2's storefront: the landing (and so
    attribution) reads only the inbox, so an event not stored there never reaches them. The
    refusal is counted in the logs, for the shop's operator to notice."""
    connection, key = shop
    _clear(pixel_db_url, connection.id)
    forged = _on_page(
        _checkout(batch), f"https://{merchants[1].shop_domain}/checkouts/c/forged/thank-you"
    )
    forged["id"] = "forged-checkout"
    forged["data"]["checkout"]["order"]["id"] = "gid://shopify/Order/999999999"
    forged["data"]["checkout"]["totalPrice"] = {"amount": "99999.99", "currencyCode": "USD"}
    genuine = _page_views(batch)[0]

    with caplog.at_level(logging.WARNING, logger="api.pixel.service"):
        response = await _post(client, key, {"events": [forged, genuine]})

    assert response.status_code == 202
    assert _rejected_types(response) == {0: "foreign_page"}
    assert _stored_ids(pixel_db_url, connection.id) == [genuine["id"]]
    [logged] = [r for r in caplog.records if r.name == "api.pixel.service"]
    assert "1 of 2 events rejected (foreign_page: 1)" in logged.getMessage()
    assert getattr(logged, "connection", None) == connection.id


async def test_a_storefront_on_its_own_domain_is_on_the_shop(
    client: httpx.AsyncClient, pixel_db_url: str, shop: tuple[Connection, str], batch: PixelBatch
) -> None:
    """Most shops sell on a domain of their own: the connection's `storefront_domains` setting
    lists it (and its subdomains) beside the myshopify.com domain."""
    connection, key = shop
    _clear(pixel_db_url, connection.id)
    template = _page_views(batch)[0]
    pages = {
        "own": "https://Shop.Example.com/products/x",
        "www": "https://www.shop.example.com./",
        "lookalike": "https://shop.example.com.evil.example/",
        "sibling": "https://example.com/",
    }
    events = [_on_page({**template, "id": name}, url) for name, url in pages.items()]
    _set_storefront_domains(pixel_db_url, connection.id, ["shop.example.com"])
    try:
        response = await _post(client, key, {"events": events})
    finally:
        _set_storefront_domains(pixel_db_url, connection.id, None)

    assert _rejected_types(response) == {2: "foreign_page", 3: "foreign_page"}
    assert sorted(_stored_ids(pixel_db_url, connection.id)) == ["own", "www"]


def _set_storefront_domains(url: str, connection_id: str, domains: list[str] | None) -> None:
    with open_session(url) as session, session.begin():
        connection = session.get_one(Connection, connection_id)
        connection.settings = {"storefront_domains": domains} if domains else {}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"events": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", "nests too deeply"),
        (b'{"events": [{"id": ' + b"9" * 4_301 + b"}]}", "number too long"),
        (b'{"events": [{"id": "a"},]}', "not JSON"),
        (b'{"events": [{"id": NaN}]}', "not JSON"),
        (b'{"events": ["\xff"]}', "not UTF-8"),
    ],
    ids=["deep", "long-integer", "trailing-comma", "nan", "latin-1"],
)
async def test_an_unreadable_body_is_a_problem_400(
    client: httpx.AsyncClient,
    pixel_db_url: str,
    shop: tuple[Connection, str],
    body: bytes,
    detail: str,
) -> None:
    connection, key = shop
    _clear(pixel_db_url, connection.id)

    response = await _post_raw(client, key, body)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]
    assert _stored_ids(pixel_db_url, connection.id) == []


async def test_stored_counts_only_the_rows_a_request_inserted_when_retries_race(
    client: httpx.AsyncClient, pixel_db_url: str, shop: tuple[Connection, str], batch: PixelBatch
) -> None:
    """A pixel retrying a batch whose first send is still being stored: between them, the
    replies claim each event once."""
    connection, key = shop
    _clear(pixel_db_url, connection.id)
    events = batch.body["events"]

    responses = await asyncio.gather(*(_post(client, key, batch.body) for _ in range(6)))

    assert [r.status_code for r in responses] == [202] * 6
    assert sum(r.json()["stored"] for r in responses) == len(events)
    for response in responses:
        assert response.json()["stored"] + response.json()["duplicates"] == len(events)
    assert sorted(_stored_ids(pixel_db_url, connection.id)) == sorted(e["id"] for e in events)


@pytest.fixture
async def clocked_client(
    settings: Settings,
) -> AsyncIterator[tuple[httpx.AsyncClient, list[datetime]]]:
    """A client of an app whose receipt clock reads the list's one moment, which a test moves;
    a key may post 60 events a minute, 500 at once."""
    app = create_app(
        settings.model_copy(update={"pixel_events_per_minute": 60, "pixel_event_burst": 500})
    )
    moment = [datetime.now(UTC)]

    def clock() -> datetime:
        return moment[0]

    app.dependency_overrides[receipt_clock] = lambda: clock
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as client,
    ):
        yield client, moment


async def test_a_key_past_its_rate_gets_429_with_retry_after(
    clocked_client: tuple[httpx.AsyncClient, list[datetime]],
    pixel_db_url: str,
    shop: tuple[Connection, str],
    other_shop: tuple[Connection, str],
    batch: PixelBatch,
) -> None:
    client, moment = clocked_client
    (connection, key), (other, other_key) = shop, other_shop
    _clear(pixel_db_url, connection.id)
    _clear(pixel_db_url, other.id)
    template = _page_views(batch)[0]

    def events(prefix: str, count: int, shop_domain: str) -> dict[str, Any]:
        page = f"https://{shop_domain}/"
        return {
            "events": [_on_page({**template, "id": f"{prefix}{n}"}, page) for n in range(count)]
        }

    burst = await _post(client, key, events("burst-", 500, connection.external_account_id))
    emptied = await _post(client, key, events("later-", 10, connection.external_account_id))
    other_key_meanwhile = await _post(
        client, other_key, events("other-", 10, other.external_account_id)
    )
    moment[0] += timedelta(seconds=1)
    too_soon = await _post(client, key, events("later-", 10, connection.external_account_id))
    moment[0] += timedelta(seconds=int(too_soon.headers["Retry-After"]))
    in_time = await _post(client, key, events("later-", 10, connection.external_account_id))

    assert burst.json()["stored"] == 500
    for refused, retry_after in ((emptied, "1"), (too_soon, "9")):
        # One event a second: a token for the request, then ten for its ten events.
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["Retry-After"] == retry_after
    assert other_key_meanwhile.json()["stored"] == 10
    assert in_time.json()["stored"] == 10
    assert len(_stored_ids(pixel_db_url, connection.id)) == 510


async def test_the_openapi_document_describes_the_body_and_its_limits() -> None:
    from tests.helpers import routes_only_app

    operation = routes_only_app().openapi()["paths"][PIXEL_EVENTS_PATH]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    event = body["properties"]["events"]["items"]

    assert body["properties"]["events"]["maxItems"] == MAX_EVENTS_PER_BATCH
    assert str(MAX_BODY_BYTES) in body["description"]
    assert set(event["required"]) == {"id", "name", "clientId", "timestamp", "context"}
    assert "$ref" not in json.dumps(body)  # nothing points at a component that isn't there
    assert {"400", "401", "413", "422", "429"} <= set(operation["responses"])
    for status in ("400", "429"):
        assert "application/problem+json" in operation["responses"][status]["content"]


def _hostile_events(template: dict[str, Any], foreign_domain: str) -> st.SearchStrategy[Any]:
    """Events the intake must reject: each a valid event with one field made hostile, or any
    JSON value at all."""
    now = datetime.now(UTC)

    def with_field(name: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return values.map(lambda value: {**copy.deepcopy(template), name: value})

    texts_with_a_nul = st.tuples(st.text(max_size=8), st.text(max_size=8)).map("\x00".join)
    too_deep = st.integers(33, 60).map(lambda depth: {"data": _nest(depth)})
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=12,
    )
    return st.one_of(
        with_field(
            "timestamp",
            st.sampled_from(
                [
                    "0001-01-01T00:00:00+01:00",
                    "9999-12-31T23:59:59-01:00",
                    "2026-11-19T10:00:00",  # no offset
                    (now - timedelta(days=8)).isoformat(),
                    (now + timedelta(hours=1)).isoformat(),
                ]
            )
            | st.integers()
            | st.text(max_size=30),
        ),
        with_field("id", texts_with_a_nul | st.just("\udc80") | st.just("")),
        with_field("clientId", texts_with_a_nul | st.integers()),
        with_field("data", st.dictionaries(st.text(max_size=5), texts_with_a_nul, min_size=1)),
        too_deep.map(lambda fields: {**copy.deepcopy(template), **fields}),
        st.sampled_from(
            [f"https://{foreign_domain}/products/x", "http://[::1/", "https://example.com/"]
        ).map(lambda url: _on_page(template, url)),
        json_values.filter(lambda value: not isinstance(value, dict) or "context" not in value),
    )


def _nest(depth: int) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for _ in range(depth):
        nested = {"inner": nested}
    return nested


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    # The client and the database are shared by the examples on purpose: each example posts
    # events of ids of its own.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_every_valid_event_of_a_hostile_batch_is_stored_exactly_once(
    client: httpx.AsyncClient,
    pixel_db_url: str,
    shop: tuple[Connection, str],
    batch: PixelBatch,
    merchants: list[Merchant],
    data: st.DataObject,
) -> None:
    connection, key = shop
    template = _page_views(batch)[0]
    prefix = uuid.uuid4().hex
    valid_ids = st.text(
        st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=20
    ).map(lambda text: f"{prefix}{text}")
    items = data.draw(
        st.lists(
            st.tuples(st.just("valid"), valid_ids)
            | st.tuples(st.just("hostile"), _hostile_events(template, merchants[1].shop_domain)),
            max_size=30,
        )
    )
    posted = [{**template, "id": value} if kind == "valid" else value for kind, value in items]
    valid = {value for kind, value in items if kind == "valid"}
    hostile = [index for index, (kind, _) in enumerate(items) if kind == "hostile"]

    first = await _post(client, key, {"events": posted})
    retried = await _post(client, key, {"events": posted})

    assert first.status_code == 202, first.text
    assert [rejected["index"] for rejected in first.json()["rejected"]] == hostile
    assert first.json()["stored"] == len(valid)
    assert retried.json()["stored"] == 0
    stored = [i for i in _stored_ids(pixel_db_url, connection.id) if i.startswith(prefix)]
    assert sorted(stored) == sorted(valid)
