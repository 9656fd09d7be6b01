"""How a session token is checked, on one route; every route against every bad credential is the
authorization matrix (tests/pipeline/test_api_authorization.py)."""

from __future__ import annotations

import httpx
import jwt
import pytest

from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from tests.api.conftest import bearer, clerk_users, mint_token, session_token

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["title"] == "Unauthorized"


async def test_valid_token_is_accepted(
    client: httpx.AsyncClient, simulator: SimulatorServer, merchants: list[Merchant]
) -> None:
    response = await client.get(
        "/v1/workspaces", headers=bearer(mint_token(simulator, merchants[0]))
    )
    assert response.status_code == 200


async def test_missing_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/workspaces")
    _assert_unauthorized(response)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_expired_token_is_401(
    client: httpx.AsyncClient, simulator: SimulatorServer, merchants: list[Merchant]
) -> None:
    expired = mint_token(simulator, merchants[0], expires_in_seconds=-60)
    response = await client.get("/v1/workspaces", headers=bearer(expired))
    _assert_unauthorized(response)
    assert "expired" in response.json()["detail"]


async def test_token_from_another_issuer_is_401(
    client: httpx.AsyncClient, simulator: SimulatorServer, merchants: list[Merchant]
) -> None:
    # Signed by the right key, but minted under another host name, so `iss` differs.
    foreign = mint_token(simulator, merchants[0], host="clerk.other-app.example")
    assert jwt.decode(foreign, options={"verify_signature": False})["iss"] == (
        "http://clerk.other-app.example/clerk"
    )
    response = await client.get("/v1/workspaces", headers=bearer(foreign))
    _assert_unauthorized(response)
    assert "issuer" in response.json()["detail"]


async def test_a_user_deleted_in_clerk_is_403(
    client: httpx.AsyncClient, simulator: SimulatorServer
) -> None:
    users = clerk_users(simulator)
    gone = users.create("gone@example.com")
    # A session token issued before the deletion, from a user no webhook ever announced.
    token = session_token(simulator, gone.session_id)
    users.delete(gone.id)

    response = await client.get("/v1/workspaces", headers=bearer(token))

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


async def test_token_valid_for_a_day_is_401(
    client: httpx.AsyncClient, simulator: SimulatorServer, merchants: list[Merchant]
) -> None:
    # Signed by the instance, for the right origin, but valid far longer than the maximum.
    day_long = mint_token(simulator, merchants[0], expires_in_seconds=86_400)
    response = await client.get("/v1/workspaces", headers=bearer(day_long))
    _assert_unauthorized(response)
    assert "more than the 3600 s accepted" in response.json()["detail"]
