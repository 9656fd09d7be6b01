from __future__ import annotations

import jwt
import pytest

from api.auth.service import InvalidSessionToken, verify_session_token
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from tests.api.conftest import mint_token


def test_authorized_parties_restrict_azp(
    simulator: SimulatorServer, merchants: list[Merchant]
) -> None:
    token = mint_token(simulator, merchants[0])
    jwks_client = jwt.PyJWKClient(f"{simulator.base_url}/clerk/.well-known/jwks.json")
    issuer = f"{simulator.base_url}/clerk"

    claims = verify_session_token(
        token, jwks_client=jwks_client, issuer=issuer, authorized_parties=[]
    )
    assert claims["sub"] == merchants[0].clerk_user_id
    with pytest.raises(InvalidSessionToken, match="azp"):
        verify_session_token(
            token,
            jwks_client=jwks_client,
            issuer=issuer,
            authorized_parties=["https://app.metricx.example"],
        )
