"""The Clerk signing keys under an identity-provider outage: the simulated JWKS endpoint made to
hang or fail (simulator/clerk/faults.py) while requests keep asking for keys."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import jwt
import pytest

from api.auth.signing_keys import SigningKeys, SigningKeysUnavailable, UnknownSigningKey
from metricx.settings import Settings
from simulator.clerk.faults import ClerkFaults
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from tests.api.conftest import bearer, mint_token
from tests.helpers import serve


def _eventually(condition: Callable[[], bool], seconds: float = 3) -> bool:
    """Whether `condition` holds within `seconds` (a background fetch reaching the simulator)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def jwks_url(simulator: SimulatorServer) -> str:
    return f"{simulator.base_url}/clerk/.well-known/jwks.json"


@pytest.fixture
def kid(simulator: SimulatorServer, merchants: list[Merchant]) -> str:
    kid: str = jwt.get_unverified_header(mint_token(simulator, merchants[0]))["kid"]
    return kid


def test_known_key_is_served_at_once_while_a_refresh_hangs(
    jwks_url: str, kid: str, clerk_faults: ClerkFaults
) -> None:
    # max_age=0: every request finds the keys stale and wants them refreshed.
    keys = SigningKeys(jwks_url, max_age=0, fetch_timeout=5)
    assert keys.key(kid).key_id == kid
    clerk_faults.slow_jwks(3)
    fetches_before = clerk_faults.jwks_requests

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        served = list(pool.map(lambda _: keys.key(kid).key_id, range(32)))
    elapsed = time.monotonic() - started

    assert served == [kid] * 32
    assert elapsed < 1.0, f"requests waited {elapsed:.1f} s on the hanging JWKS"
    # One refresh in flight, not one per request.
    assert _eventually(lambda: clerk_faults.jwks_requests > fetches_before)
    assert clerk_faults.jwks_requests == fetches_before + 1


def test_failing_refresh_keeps_the_keys_and_is_remembered(
    jwks_url: str, kid: str, clerk_faults: ClerkFaults
) -> None:
    keys = SigningKeys(jwks_url, max_age=0, failure_memory=60)
    keys.key(kid)
    clerk_faults.fail_jwks(503)
    fetches_before = clerk_faults.jwks_requests

    assert keys.key(kid).key_id == kid  # starts the background refresh, which fails
    # A key the process lacks waits for that refresh, and learns it failed.
    with pytest.raises(SigningKeysUnavailable):
        keys.key("ins_rotated")
    for _ in range(20):
        assert keys.key(kid).key_id == kid
    with pytest.raises(SigningKeysUnavailable):
        keys.key("ins_rotated")

    # The failure is remembered: nobody asked the JWKS again.
    assert clerk_faults.jwks_requests == fetches_before + 1


def test_unreachable_keys_at_start_fail_fast_after_the_first_timeout(
    jwks_url: str, kid: str, clerk_faults: ClerkFaults
) -> None:
    clerk_faults.slow_jwks(5)
    keys = SigningKeys(jwks_url, fetch_timeout=0.5, failure_memory=60)

    with pytest.raises(SigningKeysUnavailable):
        keys.key(kid)
    started = time.monotonic()
    with pytest.raises(SigningKeysUnavailable):
        keys.key(kid)
    assert time.monotonic() - started < 0.1
    assert clerk_faults.jwks_requests >= 1


def test_unknown_kid_refetches_in_the_background_at_most_once_per_interval(
    jwks_url: str, kid: str, clerk_faults: ClerkFaults
) -> None:
    keys = SigningKeys(jwks_url, unknown_kid_interval=60)
    keys.key(kid)
    fetches_before = clerk_faults.jwks_requests

    for forged in range(50):
        with pytest.raises(UnknownSigningKey):
            keys.key(f"ins_forged_{forged}")

    # Just fetched: a flood of forged `kid`s fetches nothing more.
    assert clerk_faults.jwks_requests == fetches_before
    eager = SigningKeys(jwks_url, unknown_kid_interval=0)
    eager.key(kid)
    with pytest.raises(UnknownSigningKey):
        eager.key("ins_rotated")
    assert clerk_faults.jwks_requests == fetches_before + 2


async def test_api_answers_503_when_keys_were_never_fetched_and_200_from_kept_keys(
    settings_on_each_app_db: Settings,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    clerk_faults: ClerkFaults,
) -> None:
    token = bearer(mint_token(simulator, merchants[0]))
    clerk_faults.fail_jwks(500)
    async with serve(settings_on_each_app_db) as client:
        down = await client.get("/v1/workspaces", headers=token)
        assert down.status_code == 503
        assert down.headers["content-type"] == "application/problem+json"

    clerk_faults.clear()
    async with serve(settings_on_each_app_db) as client:
        assert (await client.get("/v1/workspaces", headers=token)).status_code == 200
        clerk_faults.fail_jwks(500)
        clerk_faults.slow_jwks(10)
        started = time.monotonic()
        kept = await client.get("/v1/workspaces", headers=token)
        assert kept.status_code == 200
        assert time.monotonic() - started < 2


def test_jwks_fault_knobs_answer_as_armed(jwks_url: str, clerk_faults: ClerkFaults) -> None:
    clerk_faults.fail_jwks(502)
    assert httpx.get(jwks_url).status_code == 502
    clerk_faults.clear()
    assert httpx.get(jwks_url).status_code == 200
