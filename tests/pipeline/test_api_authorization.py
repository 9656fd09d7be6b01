"""The authorization matrix: every route of the app, every way of calling it.

Routes are read from the app itself, so a route is in the matrix the moment it is included: an
authenticated one must turn away every bad credential with 401, a workspace one must answer 404
to another workspace's member (as for a workspace that does not exist, so ids do not leak), and
each role must get what it may: an owner and an admin are served, a viewer is served what it
reads and refused (403) every write. A platform route serves the platform admins alone.
Unauthenticated routes are listed in PUBLIC_ROUTES, on purpose.

Served against the DuckDB pipeline run, so a member's request reads real marts; who may call a
route does not depend on the backend. Writes go to a copy of the run's app database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.routing import iter_route_contexts
from jwt.algorithms import RSAAlgorithm

from metricx.settings import Settings
from simulator.clerk.users import ClerkUsers
from tests.helpers import NOW, routes_only_app, serve, with_app_database_copy
from tests.pipeline.conftest import PipelineRun
from warehouse.appdb.credentials import load_cipher
from warehouse.appdb.models import (
    ConnectionStatus,
    CopilotConversation,
    Invitation,
    PendingSelection,
    Provider,
    utc_now,
)
from warehouse.appdb.session import open_session
from warehouse.appdb.upserts import ensure_membership, upsert_connection, upsert_user

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
    # How the web app signs in, asked before anyone has.
    ("GET", "/v1/web/config"),
    # Clerk's deliveries, authenticated by their Svix signature (tests/api/test_clerk_webhooks.py).
    ("POST", "/v1/webhooks/clerk"),
    # Shopify's deliveries, authenticated by their X-Shopify-Hmac-Sha256 over the body with the
    # app's client secret (tests/api/test_shopify_webhooks.py).
    ("POST", "/v1/webhooks/shopify"),
    # Where the platforms send the merchant's browser back, authenticated by the signed,
    # single-use OAuth state (and Shopify's hmac): tests/api/test_connections.py.
    ("GET", "/v1/connections/oauth/{provider}/callback"),
    ("GET", "/v1/connections/oauth/shopify/callback"),
}
WORKSPACE_PREFIX = "/v1/workspaces/{workspace_id}"
PLATFORM_PREFIX = "/v1/admin/"
ROLES = ("owner", "admin", "viewer")
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

    @property
    def platform(self) -> bool:
        return self.path.startswith(PLATFORM_PREFIX)

    @property
    def reads(self) -> bool:
        # Not told by the method alone: an OAuth start is a GET that begins connecting an
        # account (a write), and the copilot's POSTs ask questions of the data (reads).
        if self.path.endswith("/start"):
            return False
        return self.method == "GET" or "/copilot/" in self.path


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
# The workspace's owner is also a platform admin: every route has someone it serves.
OWNER_SERVED = [op for op in AUTHENTICATED if not op.workspace_scoped]


@dataclass(frozen=True)
class Callers:
    # The workspace's owner (the first merchant), also a platform admin.
    member: str
    # A member of another workspace: signed in, onboarded, just not a member of this one.
    outsider: str
    workspace_id: str
    public_key_pem: bytes
    # The tokens of the workspace's members by role (the owner's is `member`).
    roles: dict[str, str]
    settings: Settings


def _mint(run: PipelineRun, merchant_index: int, expires_in_seconds: int = 600) -> str:
    merchant = run.world.merchants[merchant_index]
    response = httpx.post(
        f"{run.simulator_url}/clerk/v1/sessions/{merchant.clerk_session_id}/tokens",
        params={"expires_in_seconds": expires_in_seconds},
    )
    response.raise_for_status()
    return str(response.json()["jwt"])


@pytest.fixture(scope="module")
def callers(pipeline_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> Callers:
    jwks = httpx.get(f"{pipeline_run.simulator_url}/clerk/.well-known/jwks.json").json()
    public_key = RSAAlgorithm.from_jwk(jwks["keys"][0])
    assert isinstance(public_key, rsa.RSAPublicKey)
    owner = pipeline_run.world.merchants[0]
    workspace_id = pipeline_run.workspace_ids[owner.slug]
    settings = with_app_database_copy(
        pipeline_run.settings,
        tmp_path_factory.mktemp("authorization"),
        platform_admins=owner.clerk_user_id,
    )
    roles = {"owner": _mint(pipeline_run, 0)}
    clerk = ClerkUsers.of(pipeline_run.world)
    with open_session(settings.app_database_url) as session:
        for role in ("admin", "viewer"):
            person = clerk.create(f"{role}@{owner.slug}.example.com")
            user = upsert_user(session, clerk_user_id=person.id, email=person.email)
            ensure_membership(session, user_id=user.id, workspace_id=workspace_id, role=role)
            roles[role] = _token(pipeline_run, person.session_id)
        session.commit()
    clerk.take_outbox()
    return Callers(
        member=roles["owner"],
        outsider=_mint(pipeline_run, 1),
        workspace_id=workspace_id,
        public_key_pem=public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        roles=roles,
        settings=settings,
    )


def _token(run: PipelineRun, session_id: str) -> str:
    response = httpx.post(
        f"{run.simulator_url}/clerk/v1/sessions/{session_id}/tokens",
        params={"expires_in_seconds": 600},
    )
    response.raise_for_status()
    return str(response.json()["jwt"])


@pytest.fixture(scope="module")
async def api(callers: Callers) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(callers.settings) as client:
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


# Bodies a member could send, by operation: the matrix asks who may call, not what a body may
# hold (test_api_schema.py). Writes that would change what the session's other tests read are
# harmless here anyway: they go to a copy of the app database.
BODIES: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {
    ("POST", "/v1/workspaces"): lambda: {"name": "Matrix", "currency": "USD", "timezone": "UTC"},
    ("PATCH", "/v1/workspaces/{workspace_id}"): lambda: {},
    ("POST", "/v1/workspaces/{workspace_id}/invitations"): lambda: {
        "email": f"invitee-{uuid.uuid4().hex[:8]}@example.com"
    },
    ("PATCH", "/v1/workspaces/{workspace_id}/members/{user_id}"): lambda: {"role": "viewer"},
    # No choice: validation refuses it (422) once the caller may choose, before the selection
    # (which the matrix has none of) is looked up.
    ("POST", "/v1/workspaces/{workspace_id}/connections/selections/{selection_id}"): dict,
    ("POST", "/v1/workspaces/{workspace_id}/copilot/intent"): lambda: {
        "question": "What did I spend yesterday?"
    },
    ("POST", "/v1/workspaces/{workspace_id}/copilot/ask"): lambda: {
        "question": "What did I spend yesterday?"
    },
}


def _new_member(settings: Settings, workspace_id: str) -> str:
    """A viewer of the workspace made for one request to change or remove."""
    with open_session(settings.app_database_url) as session:
        user = upsert_user(
            session, clerk_user_id=f"user_matrix_{uuid.uuid4().hex}", email="target@example.com"
        )
        ensure_membership(session, user_id=user.id, workspace_id=workspace_id, role="viewer")
        session.commit()
        return user.id


def _new_invitation(settings: Settings, workspace_id: str) -> str:
    with open_session(settings.app_database_url) as session:
        invitation = Invitation(
            workspace_id=workspace_id, email=f"{uuid.uuid4().hex}@example.com", role="viewer"
        )
        session.add(invitation)
        session.commit()
        return invitation.id


def _new_connection(settings: Settings, workspace_id: str) -> str:
    """A connection of the workspace that no run syncs, for one request to read or disconnect."""
    with open_session(settings.app_database_url) as session:
        connection = upsert_connection(
            session,
            workspace_id=workspace_id,
            provider=Provider.META_ADS,
            external_account_id=f"authorization-matrix-{uuid.uuid4().hex[:8]}",
            display_name="The authorization matrix's connection",
            credentials={},
            cipher=load_cipher(settings),
            status=ConnectionStatus.DISCONNECTED,
        )
        session.commit()
        return connection.id


def _new_conversation(settings: Settings, workspace_id: str, clerk_user_id: str) -> str:
    """A copilot conversation of the caller's in the workspace (conversations are their user's)."""
    with open_session(settings.app_database_url) as session:
        user = upsert_user(session, clerk_user_id=clerk_user_id, email="caller@example.com")
        conversation = CopilotConversation(
            workspace_id=workspace_id, user_id=user.id, title="The matrix's conversation"
        )
        session.add(conversation)
        session.commit()
        return conversation.id


def _new_selection(settings: Settings, workspace_id: str, clerk_user_id: str) -> str:
    """The caller's open choice of accounts after a Meta consent (selections are their user's).
    A member's POST of it without a body is refused by validation (422) before the lookup."""
    with open_session(settings.app_database_url) as session:
        user = upsert_user(session, clerk_user_id=clerk_user_id, email="caller@example.com")
        now = utc_now()
        selection = PendingSelection(
            provider=Provider.META_ADS,
            workspace_id=workspace_id,
            user_id=user.id,
            credentials_encrypted=load_cipher(settings).encrypt({}),
            accounts=[],
            created_at=now,
            expires_at=now + timedelta(minutes=30),
        )
        session.add(selection)
        session.commit()
        return selection.id


# Path parameters other than the workspace: made in the caller's workspace for each request,
# some of them the caller's own.
CALLERS_PATH_VALUES: dict[str, Callable[[Settings, str, str], str]] = {
    "conversation_id": _new_conversation,
    "selection_id": _new_selection,
}
PATH_VALUES: dict[str, Callable[[Settings, str], str]] = {
    "user_id": _new_member,
    "invitation_id": _new_invitation,
    "connection_id": _new_connection,
}


@dataclass(frozen=True)
class Call:
    url: str
    query: dict[str, Any]
    body: dict[str, Any] | None


def _request(
    openapi: dict[str, Any],
    operation: Operation,
    callers: Callers,
    workspace_id: str,
    token: str,
) -> Call:
    """A call a member could make: path parameters filled in (the workspace's own rows),
    required query parameters sampled from the OpenAPI document, the body from BODIES."""
    document = openapi["paths"][operation.path][operation.method.lower()]
    path_values: dict[str, Any] = {
        "workspace_id": workspace_id,
        "provider": "meta_ads",
    }
    query: dict[str, Any] = {}
    for parameter in document.get("parameters", []):
        name = parameter["name"]
        if parameter["in"] == "path" and name in CALLERS_PATH_VALUES:
            caller = jwt.decode(token, options={"verify_signature": False}).get("sub", "")
            path_values[name] = CALLERS_PATH_VALUES[name](
                callers.settings, callers.workspace_id, caller or "user_matrix_anonymous"
            )
        elif parameter["in"] == "path" and name not in path_values:
            if name not in PATH_VALUES:
                pytest.fail(
                    f"{operation}: the matrix cannot tell an existing {name}; teach "
                    "PATH_VALUES where to find one"
                )
            path_values[name] = PATH_VALUES[name](callers.settings, callers.workspace_id)
        if parameter["in"] == "query" and parameter.get("required"):
            query[name] = _sample(parameter["schema"])
    body = None
    if "requestBody" in document:
        if (operation.method, operation.path) not in BODIES:
            pytest.fail(f"{operation}: the matrix has no body to send; add one to BODIES")
        body = BODIES[(operation.method, operation.path)]()
    return Call(operation.path.format(**path_values), query, body)


async def _call(
    api: httpx.AsyncClient, operation: Operation, call: Call, headers: dict[str, str]
) -> httpx.Response:
    return await api.request(
        operation.method, call.url, params=call.query, json=call.body, headers=headers
    )


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
    assert any(not op.reads for op in WORKSPACE_SCOPED)
    assert any(op.platform for op in AUTHENTICATED)


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
    call = _request(openapi, operation, callers, callers.workspace_id, callers.member)
    headers = BAD_CREDENTIALS[credential](pipeline_run, callers)

    response = await _call(api, operation, call, headers)

    _assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


@on_duckdb
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("operation", WORKSPACE_SCOPED, ids=str)
async def test_another_workspaces_member_is_told_it_does_not_exist(
    api: httpx.AsyncClient, openapi: dict[str, Any], callers: Callers, operation: Operation
) -> None:
    call = _request(openapi, operation, callers, callers.workspace_id, callers.outsider)
    unknown = _request(openapi, operation, callers, UNKNOWN_WORKSPACE_ID, callers.outsider)

    foreign = await _call(api, operation, call, _bearer(callers.outsider))
    unknown_answer = await _call(api, operation, unknown, _bearer(callers.outsider))

    _assert_problem(foreign, 404)
    # Nothing tells a workspace that exists from one that does not.
    assert foreign.json() == unknown_answer.json()


def _assert_served(openapi: dict[str, Any], operation: Operation, response: httpx.Response) -> None:
    documented = openapi["paths"][operation.path][operation.method.lower()]["responses"]
    assert response.status_code not in (401, 403, 404), response.text
    # A route may refuse what the sampled parameters ask (e.g. a range too long), if it says so.
    assert response.status_code < 300 or (
        response.status_code < 500 and str(response.status_code) in documented
    ), response.text


@on_duckdb
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("operation", OWNER_SERVED, ids=str)
async def test_a_signed_in_user_is_served(
    api: httpx.AsyncClient, openapi: dict[str, Any], callers: Callers, operation: Operation
) -> None:
    """The routes outside a workspace (the platform's with the owner as a platform admin)."""
    call = _request(openapi, operation, callers, callers.workspace_id, callers.member)

    response = await _call(api, operation, call, _bearer(callers.member))

    _assert_served(openapi, operation, response)


@on_duckdb
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", WORKSPACE_SCOPED, ids=str)
async def test_each_role_gets_what_it_may(
    api: httpx.AsyncClient,
    openapi: dict[str, Any],
    callers: Callers,
    operation: Operation,
    role: str,
) -> None:
    call = _request(openapi, operation, callers, callers.workspace_id, callers.roles[role])

    response = await _call(api, operation, call, _bearer(callers.roles[role]))

    if role == "viewer" and not operation.reads:
        # A viewer reads and never writes.
        _assert_problem(response, 403)
    else:
        _assert_served(openapi, operation, response)


@on_duckdb
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("operation", [op for op in AUTHENTICATED if op.platform], ids=str)
async def test_platform_routes_refuse_everyone_else(
    api: httpx.AsyncClient, openapi: dict[str, Any], callers: Callers, operation: Operation
) -> None:
    call = _request(openapi, operation, callers, callers.workspace_id, callers.outsider)

    response = await _call(api, operation, call, _bearer(callers.outsider))

    _assert_problem(response, 403)
