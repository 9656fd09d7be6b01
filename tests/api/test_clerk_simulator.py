from __future__ import annotations

import httpx
import jwt

from simulator.clerk.users import SIMULATED_SECRET_KEY
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from tests.api.conftest import mint_token


def test_jwks_publishes_one_rs256_signing_key(simulator: SimulatorServer) -> None:
    response = httpx.get(f"{simulator.base_url}/clerk/.well-known/jwks.json")

    assert response.status_code == 200
    [key] = response.json()["keys"]
    assert {key["kty"], key["use"], key["alg"], key["e"]} == {"RSA", "sig", "RS256", "AQAB"}
    assert key["kid"] and len(key["n"]) > 300  # a 2048-bit modulus, base64url


def test_session_tokens_carry_clerk_claims(
    simulator: SimulatorServer, merchants: list[Merchant]
) -> None:
    merchant = merchants[0]
    token = mint_token(simulator, merchant, expires_in_seconds=600)

    jwks = jwt.PyJWKClient(f"{simulator.base_url}/clerk/.well-known/jwks.json")
    claims = jwt.decode(
        token,
        jwks.get_signing_key_from_jwt(token),
        algorithms=["RS256"],
        issuer=f"{simulator.base_url}/clerk",
    )
    assert claims["sub"] == merchant.clerk_user_id
    assert claims["sid"] == merchant.clerk_session_id
    assert claims["azp"] == "http://localhost:8000"
    assert claims["exp"] - claims["iat"] == 600
    assert claims["nbf"] <= claims["iat"]


def test_token_lifetime_defaults_to_60_seconds(
    simulator: SimulatorServer, merchants: list[Merchant]
) -> None:
    response = httpx.post(
        f"{simulator.base_url}/clerk/v1/sessions/{merchants[0].clerk_session_id}/tokens"
    )

    assert response.json()["object"] == "token"
    claims = jwt.decode(response.json()["jwt"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 60


def test_unknown_session_is_a_clerk_style_404(simulator: SimulatorServer) -> None:
    response = httpx.post(f"{simulator.base_url}/clerk/v1/sessions/sess_nope/tokens")

    assert response.status_code == 404
    [error] = response.json()["errors"]
    assert error["code"] == "resource_not_found"
    assert error["message"]


def test_sign_in_page_sends_the_browser_back_with_a_verifiable_session_token(
    simulator: SimulatorServer, merchants: list[Merchant]
) -> None:
    back = "http://127.0.0.1:8000/workspaces/w1/dashboard"
    page = httpx.get(f"{simulator.base_url}/clerk/sign-in", params={"redirect_url": back})
    assert page.status_code == 200
    assert all(merchant.email in page.text for merchant in merchants)

    response = httpx.get(
        f"{simulator.base_url}/clerk/sign-in/{merchants[1].clerk_session_id}",
        params={"redirect_url": back},
    )

    assert response.status_code == 303
    location, _, fragment = response.headers["location"].partition("#session_token=")
    assert location == back
    jwks = jwt.PyJWKClient(f"{simulator.base_url}/clerk/.well-known/jwks.json")
    claims = jwt.decode(
        fragment,
        jwks.get_signing_key_from_jwt(fragment),
        algorithms=["RS256"],
        issuer=f"{simulator.base_url}/clerk",
    )
    assert claims["sub"] == merchants[1].clerk_user_id


def test_sign_in_hands_tokens_to_this_machine_only(
    simulator: SimulatorServer, merchants: list[Merchant]
) -> None:
    for redirect_url in ("https://attacker.example/", "javascript:alert(1)"):
        response = httpx.get(
            f"{simulator.base_url}/clerk/sign-in/{merchants[0].clerk_session_id}",
            params={"redirect_url": redirect_url},
        )
        assert response.status_code == 400, redirect_url


def test_the_user_list_pages_clerks_wire_format(
    simulator: SimulatorServer, merchants: list[Merchant]
) -> None:
    url = f"{simulator.base_url}/clerk/v1/users"
    headers = {"Authorization": f"Bearer {SIMULATED_SECRET_KEY}"}

    refused = httpx.get(url)
    first = httpx.get(url, params={"limit": 1, "offset": 0}, headers=headers)
    everyone = httpx.get(url, params={"limit": 500}, headers=headers)

    assert refused.status_code == 401
    assert refused.json()["errors"][0]["code"] == "authentication_invalid"
    # A bare array, as Clerk answers, its pages cut by limit and offset.
    assert len(first.json()) == 1 and first.json()[0] == everyone.json()[0]
    listed = {user["id"]: user for user in everyone.json()}
    merchant = listed[merchants[0].clerk_user_id]
    (email,) = merchant["email_addresses"]
    assert email["id"] == merchant["primary_email_address_id"]
    assert email["email_address"] == merchants[0].email
    assert isinstance(merchant["updated_at"], int)  # Unix milliseconds
