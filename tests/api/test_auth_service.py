from __future__ import annotations

import jwt
import pytest

from api.auth.service import InvalidSessionToken, VerifiedTokens, verify_session_token
from api.auth.signing_keys import SigningKeys
from api.main import create_app
from metricx.settings import Settings
from simulator.clerk.api import AUTHORIZED_PARTY
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from tests.api.conftest import mint_token
from tests.helpers import serve


def _verify(
    simulator: SimulatorServer,
    token: str,
    *,
    authorized_parties: list[str],
    max_lifetime_seconds: int = 3600,
) -> dict[str, object]:
    return verify_session_token(
        token,
        signing_keys=SigningKeys(f"{simulator.base_url}/clerk/.well-known/jwks.json"),
        issuer=f"{simulator.base_url}/clerk",
        authorized_parties=authorized_parties,
        max_lifetime_seconds=max_lifetime_seconds,
    )


def test_authorized_parties_restrict_azp(
    simulator: SimulatorServer, merchants: list[Merchant]
) -> None:
    token = mint_token(simulator, merchants[0])

    claims = _verify(simulator, token, authorized_parties=[AUTHORIZED_PARTY])
    assert claims["sub"] == merchants[0].clerk_user_id
    with pytest.raises(InvalidSessionToken, match="azp"):
        _verify(simulator, token, authorized_parties=["https://app.metricx.example"])
    # No list accepts no origin: never any.
    with pytest.raises(InvalidSessionToken, match="azp"):
        _verify(simulator, token, authorized_parties=[])


def test_token_valid_for_longer_than_the_maximum_is_refused(
    simulator: SimulatorServer, merchants: list[Merchant]
) -> None:
    day_long = mint_token(simulator, merchants[0], expires_in_seconds=86_400)
    claims = jwt.decode(day_long, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 86_400

    with pytest.raises(InvalidSessionToken, match="86400 s, more than the 3600 s"):
        _verify(simulator, day_long, authorized_parties=[AUTHORIZED_PARTY])
    accepted = _verify(
        simulator, day_long, authorized_parties=[AUTHORIZED_PARTY], max_lifetime_seconds=86_400
    )
    assert accepted["sub"] == merchants[0].clerk_user_id


def test_token_without_kid_is_invalid(simulator: SimulatorServer) -> None:
    unsigned = jwt.encode({"sub": "user_x"}, "a-shared-secret-of-32-bytes-or-more", "HS256")
    with pytest.raises(InvalidSessionToken, match="kid"):
        _verify(simulator, unsigned, authorized_parties=[AUTHORIZED_PARTY])


def test_a_verified_token_is_verified_once_until_it_expires(
    simulator: SimulatorServer, merchants: list[Merchant]
) -> None:
    token = mint_token(simulator, merchants[0], expires_in_seconds=60)
    other = mint_token(simulator, merchants[1], expires_in_seconds=60)
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    now = [float(exp - 30)]
    verified: list[str] = []

    def verify(checked: str) -> dict[str, object]:
        verified.append(checked)
        return _verify(simulator, checked, authorized_parties=[AUTHORIZED_PARTY])

    tokens = VerifiedTokens(max_tokens=1, clock=lambda: now[0])
    assert tokens.claims(token, verify)["sub"] == merchants[0].clerk_user_id
    assert tokens.claims(token, verify)["sub"] == merchants[0].clerk_user_id
    assert verified == [token]

    # A token a byte away from a verified one is verified on its own, and refused.
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(InvalidSessionToken):
        tokens.claims(forged, verify)
    assert tokens.claims(token, verify)["sub"] == merchants[0].clerk_user_id
    assert verified == [token, forged]

    # Past its expiry and the leeway it is verified again (by PyJWT, on the real clock).
    now[0] = exp + 4.0
    tokens.claims(token, verify)
    assert verified == [token, forged]
    now[0] = exp + 6.0
    tokens.claims(token, verify)
    assert verified == [token, forged, token]

    # Kept tokens are bounded: the least recently used one is verified again.
    now[0] = exp - 30.0
    tokens.claims(token, verify)
    tokens.claims(other, verify)
    tokens.claims(token, verify)
    assert verified[-3:] == [token, other, token]


async def test_api_refuses_to_start_without_authorized_parties(settings: Settings) -> None:
    anyone = settings.model_copy(update={"clerk_authorized_parties": []})
    with pytest.raises(RuntimeError, match="METRICX_CLERK_AUTHORIZED_PARTIES"):
        async with serve(anyone):
            pass
    # Routes can still be read without the lifespan (the OpenAPI document is built so).
    assert create_app(anyone).openapi()["paths"]
