"""`GET /v1/me`: a first sign-in nobody announced creates the user, accepts their invitations, or
gives them a workspace of their own. On both app-database backends."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from metricx.settings import Settings
from simulator.server import SimulatorServer
from tests.api.conftest import bearer, clerk_users, session_token
from warehouse.appdb.models import User
from warehouse.appdb.session import open_session

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_first_sign_in_creates_the_user_and_their_workspace(
    accounts_client: httpx.AsyncClient, empty_app_settings: Settings, simulator: SimulatorServer
) -> None:
    users = clerk_users(simulator)
    newcomer = users.create("Newcomer@Example.com")
    users.take_outbox()  # the webhook never arrives
    token = bearer(session_token(simulator, newcomer.session_id))

    first = await accounts_client.get("/v1/me", headers=token)
    again = await accounts_client.get("/v1/me", headers=token)

    assert first.status_code == 200, first.text
    me = first.json()
    assert (me["clerk_user_id"], me["email"]) == (newcomer.id, "newcomer@example.com")
    (membership,) = me["memberships"]
    assert membership["role"] == "owner"
    # Signing in again makes no second workspace.
    assert again.json() == me
    workspaces = (await accounts_client.get("/v1/workspaces", headers=token)).json()["workspaces"]
    assert [w["id"] for w in workspaces] == [membership["workspace_id"]]
    with open_session(empty_app_settings.app_database_url) as session:
        user = session.scalar(select(User).where(User.clerk_user_id == newcomer.id))
    assert user is not None and user.id == me["id"]


async def test_an_invitation_is_accepted_at_sign_in(
    accounts_client: httpx.AsyncClient, simulator: SimulatorServer
) -> None:
    users = clerk_users(simulator)
    owner = users.create("owner@shop.example.com")
    owner_token = bearer(session_token(simulator, owner.session_id))
    workspace = (await accounts_client.get("/v1/me", headers=owner_token)).json()["memberships"][0]
    invited = await accounts_client.post(
        f"/v1/workspaces/{workspace['workspace_id']}/invitations",
        json={"email": "Analyst@Shop.example.com", "role": "viewer"},
        headers=owner_token,
    )
    assert invited.status_code == 201, invited.text

    analyst = users.create("analyst@shop.example.com")
    me = await accounts_client.get(
        "/v1/me", headers=bearer(session_token(simulator, analyst.session_id))
    )

    # Invited into the owner's workspace, so no workspace of their own.
    assert [(m["workspace_id"], m["role"]) for m in me.json()["memberships"]] == [
        (workspace["workspace_id"], "viewer")
    ]
    members = await accounts_client.get(
        f"/v1/workspaces/{workspace['workspace_id']}/members", headers=owner_token
    )
    assert members.json()["invitations"] == []
    assert {(m["email"], m["role"]) for m in members.json()["members"]} == {
        ("owner@shop.example.com", "owner"),
        ("analyst@shop.example.com", "viewer"),
    }
