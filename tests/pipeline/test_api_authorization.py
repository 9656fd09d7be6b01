"""The authorization matrix: every route of the app, every way of calling it.

Routes are read from the app itself, so a route is in the matrix the moment it is included: an
authenticated one must turn away every bad credential with 401, a workspace one must answer 404
to another workspace's member (as for a workspace that does not exist, so ids do not leak), and
a member must be served. Unauthenticated routes are listed in PUBLIC_ROUTES, on purpose.

Served against the DuckDB pipeline run, so a member's request reads real marts; who may call a
route does not depend on the backend.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.routing import iter_route_contexts
from jwt.algorithms import RSAAlgorithm

from tests.helpers import NOW, routes_only_app, serve
from tests.pipeline.conftest import PipelineRun
from warehouse.appdb.credentials import load_cipher
from warehouse.appdb.models import ConnectionStatus, Provider
from warehouse.appdb.session import open_session
from warehouse.appdb.upserts import upsert_connection

# The requests run on the DuckDB run alone.
on_duckdb = pytest.mark.parametrize("pipeline_run", ["duckdb"], indirect=True, scope="session")

# Routes anyone may call; each one authenticates its callers its own way, if at all.
PUBLIC_ROUTES = {
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("GET", "/v1/health"),
    # The shop's web pixel, authenticated by its connection's pixel key (tests/api/test_pixel.py).
    ("POST", "/v1/pixel/events"),
    # Where the platforms send the merchant's browser back, authenticated by the signed,
    # single-use OAuth state (and Shopify's hmac): tests/api/test_connections.py.
    ("GET", "/v1/connections/oauth/{provider}/callback"),
    ("GET", "/v1/connections/oauth/shopify/callback"),
}
WORKSPACE_PREFIX = "/v1/workspaces/{workspace_id}/"
UNKNOWN_WORKSPACE_ID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def workspace_scoped(self) -> bool:
        return self.path.startswith(WORKSPACE_PREFIX)


def _all_operations() -> list[Operation]:
    operations = {
        Operation(method, route.path)
        for route in iter_route_contexts(routes_only_app().routes)
        for method in route.methods or ()
        # Starlette adds HEAD to every GET route; it runs the GET endpoint.
        if method != "HEAD"
    }
    return sorted(operations, key=str)


ALL_OPERATIONS = _all_operations()
AUTHENTICATED = [op for op in ALL_OPERATIONS if (op.method, op.path) not in PUBLIC_ROUTES]
WORKSPACE_SCOPED = [op for op in AUTHENTICATED if op.workspace_scoped]


@dataclass(frozen=True)
class Callers:
    member: str
    # A member of another workspace: signed in, onboarded, just not a member of this one.
    outsider: str
    workspace_id: str
    public_key_pem: bytes
    # A connection of the member's workspace that no run syncs, for the routes on one (a
    # DELETE disconnects it: the pipeline run's own connections stay as they are).
    connection_id: str


def _mint(run: PipelineRun, merchant_index: int, expires_in_seconds: int = 600) -> str:
    merchant = run.world.merchants[merchant_index]
    response = httpx.post(
        f"{run.simulator_url}/clerk/v1/sessions/{merchant.clerk_session_id}/tokens",
        params={"expires_in_seconds": expires_in_seconds},
    )
    response.raise_for_status()
    return str(response.json()["jwt"])


@pytest.fixture(scope="module")
def callers(pipeline_run: PipelineRun) -> Callers:
    jwks = httpx.get(f"{pipeline_run.simulator_url}/clerk/.well-known/jwks.json").json()
    public_key = RSAAlgorithm.from_jwk(jwks["keys"][0])
    assert isinstance(public_key, rsa.RSAPublicKey)
    workspace_id = pipeline_run.workspace_ids[pipeline_run.world.merchants[0].slug]
    settings = pipeline_run.settings
    with open_session(settings.app_database_url) as session, session.begin():
        connection_id = upsert_connection(
            session,
            workspace_id=workspace_id,
            provider=Provider.META_ADS,
            external_account_id="authorization-matrix",
            display_name="The authorization matrix's connection",
            credentials={},
            cipher=load_cipher(settings),
            status=ConnectionStatus.DISCONNECTED,
        ).id
    return Callers(
        member=_mint(pipeline_run, 0),
        outsider=_mint(pipeline_run, 1),
        workspace_id=workspace_id,
        connection_id=connection_id,
        public_key_pem=public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )


@pytest.fixture(scope="module")
async def api(pipeline_run: PipelineRun) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(pipeline_run.settings) as client:
        yield client


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return routes_only_app().openapi()


# --- Credentials that must not get in -----------------------------------------------------------


def _b64(segment: bytes) -> str:
    return base64.urlsafe_b64encode(segment).rstrip(b"=").decode()


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})


def _signed_by_another_key(callers: Callers) -> str:
    # Same header (kid) and claims as the genuine token; only the signing key differs.
    header, claims = _parts(callers.member)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": header["kid"]})


def _claims_changed(callers: Callers) -> str:
    # The outsider's token with its `sub` swapped for the member's, the signature kept.
    header, claims = _parts(callers.outsider)
    member_claims = _parts(callers.member)[1]
    signature = callers.outsider.rsplit(".", 1)[1]
    payload = {**claims, "sub": member_claims["sub"]}
    return ".".join(
        [_b64(json.dumps(header).encode()), _b64(json.dumps(payload).encode()), signature]
    )


def _alg_none(callers: Callers) -> str:
    # RFC 7519's unsecured JWT: no signature at all.
    header, claims = _parts(callers.member)
    unsigned = {**header, "alg": "none"}
    return f"{_b64(json.dumps(unsigned).encode())}.{_b64(json.dumps(claims).encode())}."


def _hs256_with_the_public_key(callers: Callers) -> str:
    # Key confusion: a verifier that takes `alg` from the token would check this HMAC with the
    # RSA public key (public, in the JWKS) as the secret. PyJWT refuses to sign it, so by hand.
    header, claims = _parts(callers.member)
    signing_input = (
        f"{_b64(json.dumps({**header, 'alg': 'HS256'}).encode())}."
        f"{_b64(json.dumps(claims).encode())}"
    )
    mac = hmac.new(callers.public_key_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def _expired(run: PipelineRun) -> str:
    return _mint(run, 0, expires_in_seconds=-60)


BadCredential = Callable[[PipelineRun, Callers], dict[str, str]]

BAD_CREDENTIALS: dict[str, BadCredential] = {
    "no token": lambda run, callers: {},
    "not a JWT": lambda run, callers: _bearer("not-a-jwt"),
    "signed by another key": lambda run, callers: _bearer(_signed_by_another_key(callers)),
    "claims changed": lambda run, callers: _bearer(_claims_changed(callers)),
    "expired": lambda run, callers: _bearer(_expired(run)),
    "alg none": lambda run, callers: _bearer(_alg_none(callers)),
    "HS256 with the public key": lambda run, callers: _bearer(_hs256_with_the_public_key(callers)),
}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- Requests a member would send ---------------------------------------------------------------


def _sample(schema: dict[str, Any]) -> Any:
    """A valid value of a parameter's JSON schema: its own default or example when it has one."""
    if "default" in schema:
        return schema["default"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return _sample(next(s for s in schema["anyOf"] if s.get("type") != "null"))
    if schema.get("format") == "date":
        return NOW.date().isoformat()
    if schema.get("format") == "date-time":
        return NOW.isoformat()
    if schema.get("type") in ("integer", "number"):
        return schema.get("minimum", 1)
    if schema.get("type") == "boolean":
        return "true"
    return "x"


def _request(
    openapi: dict[str, Any], operation: Operation, workspace_id: str, connection_id: str
) -> tuple[str, dict[str, Any]]:
    """The URL and query of a call a member could make: path parameters filled in, required
    query parameters sampled from the OpenAPI document."""
    document = openapi["paths"][operation.path][operation.method.lower()]
    path_values: dict[str, Any] = {
        "workspace_id": workspace_id,
        "connection_id": connection_id,
        "provider": "meta_ads",
        # Any: a member's POST without its body is refused by validation (422) before the
        # selection is looked up, a stranger's by the tenant check (404).
        "selection_id": "x",
    }
    query: dict[str, Any] = {}
    for parameter in document.get("parameters", []):
        if parameter["in"] == "path" and parameter["name"] not in path_values:
            pytest.fail(
                f"{operation}: the matrix cannot tell an existing {parameter['name']}; teach "
                "_request where to find one in the pipeline run"
            )
        if parameter["in"] == "query" and parameter.get("required"):
            query[parameter["name"]] = _sample(parameter["schema"])
    return operation.path.format(**path_values), query


def _assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


# --- The matrix ---------------------------------------------------------------------------------


def test_public_routes_all_exist() -> None:
    """A public route removed from the app is removed from the list, so it cannot come back
    unauthenticated unnoticed."""
    assert {(op.method, op.path) for op in ALL_OPERATIONS} >= PUBLIC_ROUTES


def test_workspace_routes_are_found() -> None:
    # Guards the route walk itself: were it to find nothing, the matrix would pass vacuously.
    assert any(op.path == "/v1/workspaces/{workspace_id}/spend/daily" for op in WORKSPACE_SCOPED)


@pytest.mark.parametrize("operation", AUTHENTICATED, ids=str)
def test_every_authenticated_route_is_documented(
    openapi: dict[str, Any], operation: Operation
) -> None:
    """A client generated from the document knows to send the token, and what refusals mean."""
    assert operation.method.lower() in openapi["paths"].get(operation.path, {})
    document = openapi["paths"][operation.path][operation.method.lower()]
    assert document.get("security") == [{"HTTPBearer": []}]
    refusals = {"401", "403", "404"} if operation.workspace_scoped else {"401", "403"}
    for status in refusals:
        assert "application/problem+json" in document["responses"].get(status, {}).get(
            "content", {}
        ), f"{operation} does not document its {status} (responses=WORKSPACE_PROBLEMS)"


@on_duckdb
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("credential", BAD_CREDENTIALS)
@pytest.mark.parametrize("operation", AUTHENTICATED, ids=str)
async def test_a_bad_credential_is_401(
    api: httpx.AsyncClient,
    openapi: dict[str, Any],
    pipeline_run: PipelineRun,
    callers: Callers,
    operation: Operation,
    credential: str,
) -> None:
    url, query = _request(openapi, operation, callers.workspace_id, callers.connection_id)
    headers = BAD_CREDENTIALS[credential](pipeline_run, callers)

    response = await api.request(operation.method, url, params=query, headers=headers)

    _assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


@on_duckdb
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("operation", WORKSPACE_SCOPED, ids=str)
async def test_another_workspaces_member_is_told_it_does_not_exist(
    api: httpx.AsyncClient, openapi: dict[str, Any], callers: Callers, operation: Operation
) -> None:
    url, query = _request(openapi, operation, callers.workspace_id, callers.connection_id)
    unknown_url, _ = _request(openapi, operation, UNKNOWN_WORKSPACE_ID, callers.connection_id)

    foreign = await api.request(
        operation.method, url, params=query, headers=_bearer(callers.outsider)
    )
    unknown = await api.request(
        operation.method, unknown_url, params=query, headers=_bearer(callers.outsider)
    )

    _assert_problem(foreign, 404)
    # Nothing tells a workspace that exists from one that does not.
    assert foreign.json() == unknown.json()


@on_duckdb
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("operation", AUTHENTICATED, ids=str)
async def test_a_member_is_served(
    api: httpx.AsyncClient, openapi: dict[str, Any], callers: Callers, operation: Operation
) -> None:
    url, query = _request(openapi, operation, callers.workspace_id, callers.connection_id)

    response = await api.request(
        operation.method, url, params=query, headers=_bearer(callers.member)
    )

    documented = openapi["paths"][operation.path][operation.method.lower()]["responses"]
    assert response.status_code not in (401, 403, 404), response.text
    # A route may refuse what the sampled parameters ask (e.g. a range too long), if it says so.
    assert response.status_code < 300 or (
        response.status_code < 500 and str(response.status_code) in documented
    ), response.text
