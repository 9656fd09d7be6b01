"""The pixel intake over HTTP: the simulated shop's storefront events, as its web pixel sends them,
stored in the app database's inbox for the pipeline to land."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from api.pixel.dependencies import MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH
from simulator.merchants import Merchant
from simulator.shopify.pixel_replay import (
    PIXEL_EVENTS_PATH,
    PIXEL_KEY_HEADER,
    PixelBatch,
    pixel_batches,
)
from simulator.world import World
from warehouse.appdb.credentials import CredentialCipher
from warehouse.appdb.models import Connection, PixelEvent, Provider, Workspace
from warehouse.appdb.session import make_engine, open_session
from warehouse.appdb.upserts import ensure_pixel_key, upsert_connection

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
def shop(app_db_url: str, merchants: list[Merchant]) -> tuple[Connection, str]:
    """demo-1's Shopify connection and its pixel key."""
    merchant = merchants[0]
    with open_session(app_db_url) as session, session.begin():
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


def _stored(app_db_url: str, connection_id: str) -> dict[str, PixelEvent]:
    with open_session(app_db_url) as session:
        rows = session.scalars(select(PixelEvent).where(PixelEvent.connection_id == connection_id))
        return {row.event_id: row for row in rows}


def _clear(app_db_url: str, connection_id: str) -> None:
    with open_session(app_db_url) as session, session.begin():
        session.query(PixelEvent).filter(PixelEvent.connection_id == connection_id).delete()


async def _post(client: httpx.AsyncClient, key: str, body: object) -> httpx.Response:
    return await client.post(PIXEL_EVENTS_PATH, json=body, headers={PIXEL_KEY_HEADER: key})


async def test_a_valid_batch_is_stored_once_per_event_id(
    client: httpx.AsyncClient, app_db_url: str, shop: tuple[Connection, str], batch: PixelBatch
) -> None:
    connection, key = shop
    _clear(app_db_url, connection.id)
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
    stored = _stored(app_db_url, connection.id)
    assert set(stored) == {event["id"] for event in events}
    for event in events:
        row = stored[event["id"]]
        assert row.workspace_id == connection.workspace_id
        assert row.occurred_at == datetime.fromisoformat(event["timestamp"])
        assert row.received_at.tzinfo is not None


async def test_a_malformed_event_is_reported_and_the_others_stored(
    client: httpx.AsyncClient, app_db_url: str, shop: tuple[Connection, str], batch: PixelBatch
) -> None:
    connection, key = shop
    _clear(app_db_url, connection.id)
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
    assert set(_stored(app_db_url, connection.id)) == {e["id"] for e in [*events, checkout]}


async def test_an_unknown_key_is_refused(client: httpx.AsyncClient, batch: PixelBatch) -> None:
    unknown = await _post(client, "pk_not-a-key", batch.body)
    missing = await client.post(PIXEL_EVENTS_PATH, json=batch.body)

    for response in (unknown, missing):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"


async def test_oversized_batches_are_refused(
    client: httpx.AsyncClient, app_db_url: str, shop: tuple[Connection, str], batch: PixelBatch
) -> None:
    connection, key = shop
    _clear(app_db_url, connection.id)
    event = batch.body["events"][0]
    too_many = [{**event, "id": f"e{n}"} for n in range(MAX_EVENTS_PER_BATCH + 1)]
    too_big = [{**event, "id": f"big{n}", "padding": "x" * 10_000} for n in range(60)]
    assert len(too_big) * 10_000 > MAX_BODY_BYTES

    for events in (too_many, too_big):
        response = await _post(client, key, {"events": events})
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
    engine = make_engine(app_db_url)
    try:
        with engine.connect() as db:
            assert db.scalar(select(func.count()).select_from(PixelEvent)) == 0
    finally:
        engine.dispose()


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

    assert pixel.status_code == 200
    assert pixel.headers["access-control-allow-origin"] == "*"
    assert PIXEL_KEY_HEADER.lower() in pixel.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in merchant_api.headers
