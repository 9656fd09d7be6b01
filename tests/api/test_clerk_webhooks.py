"""Clerk's user webhooks, delivered as Svix signs them, on both app-database backends."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from metricx.settings import Settings
from simulator.clerk.users import WebhookDelivery, sign_delivery
from simulator.server import SimulatorServer
from tests.api.conftest import bearer, clerk_users, session_token
from tests.helpers import serve
from warehouse.appdb.models import ClerkWebhookDelivery, User
from warehouse.appdb.session import open_session

pytestmark = pytest.mark.asyncio(loop_scope="session")

PATH = "/v1/webhooks/clerk"


def _post(client: httpx.AsyncClient, delivery: WebhookDelivery) -> httpx.Response:
    return client.post(PATH, content=delivery.body, headers=delivery.headers)  # type: ignore[return-value]


def _user(settings: Settings, clerk_user_id: str) -> User | None:
    with open_session(settings.app_database_url) as session:
        return session.scalar(select(User).where(User.clerk_user_id == clerk_user_id))


def _new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _resigned(delivery: WebhookDelivery, secret: str, timestamp: datetime) -> WebhookDelivery:
    return sign_delivery(
        secret, json.loads(delivery.body), svix_id=delivery.svix_id, timestamp=timestamp
    )


async def test_a_created_user_is_stored(
    accounts_client: httpx.AsyncClient, empty_app_settings: Settings, simulator: SimulatorServer
) -> None:
    users = clerk_users(simulator)
    created = users.create("Ada@Example.com")
    (delivery,) = users.take_outbox()

    response = await _post(accounts_client, delivery)

    assert response.status_code == 200, response.text
    assert response.json() == {"applied": True}
    user = _user(empty_app_settings, created.id)
    assert user is not None
    assert (user.email, user.deleted_at) == ("ada@example.com", None)


async def test_a_tampered_body_is_refused(
    accounts_client: httpx.AsyncClient, empty_app_settings: Settings, simulator: SimulatorServer
) -> None:
    users = clerk_users(simulator)
    created = users.create("eve@example.com")
    (delivery,) = users.take_outbox()
    tampered = delivery.body.replace("eve@example.com", "mallory@example.com")
    assert tampered != delivery.body

    response = await accounts_client.post(PATH, content=tampered, headers=delivery.headers)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert _user(empty_app_settings, created.id) is None


async def test_a_delivery_signed_with_another_secret_is_refused(
    accounts_client: httpx.AsyncClient, empty_app_settings: Settings, simulator: SimulatorServer
) -> None:
    users = clerk_users(simulator)
    created = users.create("wrong@example.com")
    (delivery,) = users.take_outbox()
    forged = _resigned(delivery, _new_secret(), datetime.now().astimezone())

    response = await _post(accounts_client, forged)

    assert response.status_code == 400
    assert _user(empty_app_settings, created.id) is None


@pytest.mark.parametrize("offset_minutes", [-6, 6])
async def test_a_timestamp_beyond_five_minutes_is_refused(
    accounts_client: httpx.AsyncClient,
    empty_app_settings: Settings,
    simulator: SimulatorServer,
    offset_minutes: int,
) -> None:
    users = clerk_users(simulator)
    created = users.create("late@example.com")
    (delivery,) = users.take_outbox()
    signed_at = datetime.now().astimezone() + timedelta(minutes=offset_minutes)
    stale = _resigned(delivery, users.signing_secret, signed_at)

    response = await _post(accounts_client, stale)

    assert response.status_code == 400
    assert "timestamp" in response.json()["detail"]
    assert _user(empty_app_settings, created.id) is None
    # Four minutes is within Svix's tolerance.
    recent = _resigned(
        delivery, users.signing_secret, datetime.now().astimezone() - timedelta(minutes=4)
    )
    assert (await _post(accounts_client, recent)).status_code == 200


async def test_a_replayed_delivery_changes_nothing(
    accounts_client: httpx.AsyncClient, empty_app_settings: Settings, simulator: SimulatorServer
) -> None:
    users = clerk_users(simulator)
    created = users.create("replay@example.com")
    users.delete(created.id)
    creation, deletion = users.take_outbox()
    assert (await _post(accounts_client, creation)).json() == {"applied": True}
    assert (await _post(accounts_client, deletion)).json() == {"applied": True}

    # Svix's retry of the creation, validly signed again: the deleted user stays deleted.
    replay = _resigned(creation, users.signing_secret, datetime.now().astimezone())
    response = await _post(accounts_client, replay)

    assert response.status_code == 200
    assert response.json() == {"applied": False}
    user = _user(empty_app_settings, created.id)
    assert user is not None and user.deleted_at is not None
    with open_session(empty_app_settings.app_database_url) as session:
        count = session.scalar(
            select(func.count()).where(ClerkWebhookDelivery.svix_id == creation.svix_id)
        )
    assert count == 1


async def test_both_secrets_are_accepted_during_a_rotation(
    empty_app_settings: Settings, simulator: SimulatorServer
) -> None:
    users = clerk_users(simulator)
    old_secret, new_secret = users.signing_secret, _new_secret()
    # Comma and space separated: both documented.
    rotating = empty_app_settings.model_copy(
        update={"clerk_webhook_secret": f"{new_secret}, {old_secret}"}
    )
    old = users.create("old@example.com")
    users.signing_secret = new_secret
    try:
        new = users.create("new@example.com")
    finally:
        users.signing_secret = old_secret
    signed_old, signed_new = users.take_outbox()
    third = _resigned(signed_new, _new_secret(), datetime.now().astimezone())

    async with serve(rotating) as client:
        assert (await _post(client, signed_old)).status_code == 200
        assert (await _post(client, signed_new)).status_code == 200
        assert (await _post(client, third)).status_code == 400
    # Once the old secret is retired, its deliveries are refused.
    retired = empty_app_settings.model_copy(update={"clerk_webhook_secret": new_secret})
    async with serve(retired) as client:
        resent = _resigned(signed_old, old_secret, datetime.now().astimezone())
        assert (await _post(client, resent)).status_code == 400
    assert _user(empty_app_settings, old.id) is not None
    assert _user(empty_app_settings, new.id) is not None


async def test_an_update_before_its_creation_ends_in_the_updated_state(
    accounts_client: httpx.AsyncClient, empty_app_settings: Settings, simulator: SimulatorServer
) -> None:
    users = clerk_users(simulator)
    created = users.create("first@example.com")
    users.update(created.id, email="second@example.com")
    creation, update = users.take_outbox()

    assert (await _post(accounts_client, update)).json() == {"applied": True}
    assert (await _post(accounts_client, creation)).json() == {"applied": True}

    user = _user(empty_app_settings, created.id)
    assert user is not None
    assert user.email == "second@example.com"


async def test_a_deletion_before_its_creation_leaves_the_user_deleted(
    accounts_client: httpx.AsyncClient, empty_app_settings: Settings, simulator: SimulatorServer
) -> None:
    users = clerk_users(simulator)
    created = users.create("brief@example.com")
    users.delete(created.id)
    creation, deletion = users.take_outbox()

    await _post(accounts_client, deletion)
    await _post(accounts_client, creation)

    user = _user(empty_app_settings, created.id)
    assert user is not None and user.deleted_at is not None


async def test_a_deleted_users_session_is_refused(
    accounts_client: httpx.AsyncClient, simulator: SimulatorServer
) -> None:
    users = clerk_users(simulator)
    created = users.create("leaving@example.com")
    token = session_token(simulator, created.session_id)
    assert (await accounts_client.get("/v1/me", headers=bearer(token))).status_code == 200
    users.delete(created.id)
    (deletion,) = users.take_outbox()[-1:]
    await _post(accounts_client, deletion)

    # The session token Clerk issued before the deletion is still unexpired.
    response = await accounts_client.get("/v1/me", headers=bearer(token))

    assert response.status_code == 403
