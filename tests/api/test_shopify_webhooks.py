"""Shopify's webhooks, delivered as the simulated Shopify signs them, on both app-database
backends: the HMAC gate (valid, tampered, wrong secret, stale, replayed, rotated secret) and what
each topic does to the app database."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from metricx.settings import Settings
from simulator.merchants import Merchant
from simulator.shopify.app_install import SHOPIFY_API_SECRET
from simulator.shopify.webhooks import (
    SignedDelivery,
    customers_data_request_payload,
    customers_redact_payload,
    shop_payload,
    sign,
)
from stack.demo import upsert_owned_workspace
from tests.helpers import serve
from warehouse.appdb.credentials import load_cipher
from warehouse.appdb.models import (
    Connection,
    ConnectionStatus,
    PixelEvent,
    Provider,
    ShopifyDataRequest,
    ShopifyLandingRequest,
    ShopifyRedaction,
    ShopifyWebhookDelivery,
)
from warehouse.appdb.session import open_session
from warehouse.appdb.upserts import upsert_connection

pytestmark = pytest.mark.asyncio(loop_scope="session")

PATH = "/v1/webhooks/shopify"
ORDER = {"id": 820982911946154508, "admin_graphql_api_id": "gid://shopify/Order/820982911946154508"}


@pytest.fixture
def shop_settings(empty_app_settings: Settings, merchants: list[Merchant]) -> Settings:
    """An app database where the first merchant's workspace connects its shop."""
    settings = empty_app_settings.model_copy(update={"shopify_api_secret": SHOPIFY_API_SECRET})
    merchant = merchants[0]
    with open_session(settings.app_database_url) as session, session.begin():
        workspace = upsert_owned_workspace(session, merchant)
        upsert_connection(
            session,
            workspace_id=workspace.id,
            provider=Provider.SHOPIFY,
            external_account_id=merchant.shop_domain,
            display_name=merchant.name,
            credentials={"access_token": merchant.shopify_access_token},
            cipher=load_cipher(settings),
        )
    return settings


@pytest.fixture
async def shop_client(shop_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(shop_settings) as api_client:
        yield api_client


def _post(client: httpx.AsyncClient, delivery: SignedDelivery) -> httpx.Response:
    return client.post(PATH, content=delivery.body, headers=delivery.headers)  # type: ignore[return-value]


def _order_created(merchant: Merchant, **overrides: object) -> SignedDelivery:
    return sign(
        merchant,
        "orders/create",
        ORDER,
        **{"triggered_at": datetime.now(UTC), **overrides},  # type: ignore[arg-type]
    )


def _count(settings: Settings, model: type[object]) -> int:
    with open_session(settings.app_database_url) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _shop_connection(settings: Settings) -> Connection:
    with open_session(settings.app_database_url) as session:
        connection = session.scalar(select(Connection).where(Connection.provider == "shopify"))
        assert connection is not None
        return connection


async def test_an_order_asks_for_the_shops_window_to_land(
    shop_client: httpx.AsyncClient, shop_settings: Settings, merchants: list[Merchant]
) -> None:
    response = await _post(shop_client, _order_created(merchants[0]))

    assert response.status_code == 200, response.text
    assert response.json() == {"applied": True}
    with open_session(shop_settings.app_database_url) as session:
        (request,) = session.scalars(select(ShopifyLandingRequest))
    assert request.connection_id == _shop_connection(shop_settings).id


async def test_a_tampered_body_is_refused(
    shop_client: httpx.AsyncClient, shop_settings: Settings, merchants: list[Merchant]
) -> None:
    delivery = _order_created(merchants[0])
    tampered = delivery.body.replace(b"820982911946154508", b"820982911946154509")
    assert tampered != delivery.body

    response = await shop_client.post(PATH, content=tampered, headers=delivery.headers)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert _count(shop_settings, ShopifyLandingRequest) == 0


async def test_a_delivery_signed_with_another_secret_is_refused(
    shop_client: httpx.AsyncClient, shop_settings: Settings, merchants: list[Merchant]
) -> None:
    response = await _post(shop_client, _order_created(merchants[0], secret="not-the-app-secret"))

    assert response.status_code == 400
    assert "no signature matched" in response.json()["detail"]
    assert _count(shop_settings, ShopifyWebhookDelivery) == 0


async def test_a_delivery_older_than_shopifys_retries_is_refused(
    shop_client: httpx.AsyncClient, shop_settings: Settings, merchants: list[Merchant]
) -> None:
    now = datetime.now(UTC)
    stale = _order_created(merchants[0], triggered_at=now - timedelta(hours=7))
    # Shopify retries for 4 hours with the original trigger time: such a retry is accepted.
    retried = _order_created(merchants[0], triggered_at=now - timedelta(hours=4))
    future = _order_created(merchants[0], triggered_at=now + timedelta(minutes=30))

    assert (await _post(shop_client, stale)).status_code == 400
    assert (await _post(shop_client, future)).status_code == 400
    assert _count(shop_settings, ShopifyLandingRequest) == 0
    assert (await _post(shop_client, retried)).status_code == 200
    assert _count(shop_settings, ShopifyLandingRequest) == 1


async def test_a_replayed_delivery_changes_nothing(
    shop_client: httpx.AsyncClient, shop_settings: Settings, merchants: list[Merchant]
) -> None:
    merchant = merchants[0]
    uninstalled = sign(
        merchant, "app/uninstalled", shop_payload(merchant), triggered_at=datetime.now(UTC)
    )
    assert (await _post(shop_client, uninstalled)).json() == {"applied": True}
    # The merchant reinstalls; a replay of the old uninstall must not disconnect the shop again.
    with open_session(shop_settings.app_database_url) as session, session.begin():
        connection = session.get(Connection, _shop_connection(shop_settings).id)
        assert connection is not None
        connection.status = ConnectionStatus.ACTIVE

    replayed = await _post(shop_client, uninstalled)

    assert replayed.status_code == 200
    assert replayed.json() == {"applied": False}
    assert _shop_connection(shop_settings).status == ConnectionStatus.ACTIVE
    assert _count(shop_settings, ShopifyWebhookDelivery) == 1


async def test_the_previous_secret_is_accepted_during_a_rotation(
    shop_settings: Settings, merchants: list[Merchant]
) -> None:
    rotating = shop_settings.model_copy(
        update={
            "shopify_api_secret": "the-new-secret",
            "shopify_previous_api_secrets": f"an-older-one {SHOPIFY_API_SECRET}",
        }
    )
    rotated = rotating.model_copy(update={"shopify_previous_api_secrets": ""})
    merchant = merchants[0]

    async with serve(rotating) as client:
        assert (await _post(client, _order_created(merchant))).status_code == 200
        signed_new = _order_created(merchant, secret="the-new-secret")
        assert (await _post(client, signed_new)).status_code == 200
    async with serve(rotated) as client:
        assert (await _post(client, _order_created(merchant))).status_code == 400
        signed_new = _order_created(merchant, secret="the-new-secret")
        assert (await _post(client, signed_new)).status_code == 200


async def test_uninstalling_the_app_disconnects_the_shop(
    shop_client: httpx.AsyncClient, shop_settings: Settings, merchants: list[Merchant]
) -> None:
    merchant = merchants[0]
    delivery = sign(
        merchant, "app/uninstalled", shop_payload(merchant), triggered_at=datetime.now(UTC)
    )

    assert (await _post(shop_client, delivery)).json() == {"applied": True}

    connection = _shop_connection(shop_settings)
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert load_cipher(shop_settings).decrypt(connection.credentials_encrypted) == {}


async def test_an_unknown_shop_is_acknowledged_and_ignored(
    shop_client: httpx.AsyncClient, shop_settings: Settings, merchants: list[Merchant]
) -> None:
    stranger = merchants[2]  # connected by no workspace

    response = await _post(shop_client, _order_created(stranger))

    assert response.status_code == 200
    assert response.json() == {"applied": False}
    assert _count(shop_settings, ShopifyLandingRequest) == 0


async def test_a_data_request_is_recorded_and_a_redaction_erases_the_app_database_copy(
    shop_client: httpx.AsyncClient, shop_settings: Settings, merchants: list[Merchant]
) -> None:
    merchant, now = merchants[0], datetime.now(UTC)
    customer, order = "gid://shopify/Customer/4242", "gid://shopify/Order/9001"
    connection = _shop_connection(shop_settings)
    checkout = {
        "id": "e-1",
        "name": "checkout_completed",
        "clientId": "browser-of-4242",
        "timestamp": "2026-11-20T10:00:00Z",
        "context": {
            "document": {
                "location": {"href": "https://shop.example/thanks?email=ada%40example.com"},
                "referrer": "https://mail.example/inbox/ada@example.com",
            }
        },
        "data": {
            "checkout": {
                "order": {"id": order, "customer": {"id": customer}},
                "totalPrice": {"amount": "10.00", "currencyCode": "USD"},
                "email": "ada@example.com",
                "phone": "+15550004242",
            }
        },
    }
    browsing = {**checkout, "id": "e-0", "name": "page_viewed", "data": {}}
    with open_session(shop_settings.app_database_url) as session, session.begin():
        for event in (browsing, checkout):
            session.add(
                PixelEvent(
                    connection_id=connection.id,
                    workspace_id=connection.workspace_id,
                    event_id=event["id"],
                    payload=json.dumps(event),
                    occurred_at=now,
                    received_at=now,
                )
            )
    contact = customers_data_request_payload(merchant, customer, [order], 77)["customer"]

    asked = sign(
        merchant,
        "customers/data_request",
        customers_data_request_payload(merchant, customer, [order], 77),
        triggered_at=now,
    )
    assert (await _post(shop_client, asked)).json() == {"applied": True}
    with open_session(shop_settings.app_database_url) as session:
        (request,) = session.scalars(select(ShopifyDataRequest))
        assert (request.customer_id, request.email, request.order_ids) == (
            customer,
            contact["email"],
            [order],
        )
        assert request.data_held["pixel_events"] == 1

    redact = sign(
        merchant,
        "customers/redact",
        customers_redact_payload(merchant, customer, [order]),
        triggered_at=now,
    )
    assert (await _post(shop_client, redact)).json() == {"applied": True}

    assert _count(shop_settings, ShopifyDataRequest) == 0
    with open_session(shop_settings.app_database_url) as session:
        payloads = list(session.scalars(select(PixelEvent.payload).order_by(PixelEvent.event_id)))
        (redaction,) = session.scalars(select(ShopifyRedaction))
    # The browsing event of the same browser is anonymised too, as the same anonymous visitor.
    (visitor,) = {json.loads(payload)["clientId"] for payload in payloads}
    assert visitor.startswith(redaction.visitor_token)
    # Left out of the search: the visitor's new id is random hex, which spells "ada" or "4242"
    # now and then.
    text = "\n".join(payloads).replace(visitor, "")
    for personal in ("browser-of-4242", customer, "ada", "4242", contact["email"]):
        assert personal not in text
    assert json.loads(payloads[1])["data"]["checkout"]["order"]["id"] == order
    assert redaction.erased_at is None  # the warehouse's copy is the pipeline's to erase
