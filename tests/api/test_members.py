"""Workspaces and their members, role by role, on both app-database backends: an owner does
everything, an admin everything but grant or touch the owner role, a viewer only reads; the
last owner stays; a non-member learns nothing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import httpx
import pytest

from simulator.server import SimulatorServer
from tests.api.conftest import bearer, clerk_users, session_token

pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass
class Person:
    user_id: str
    email: str
    headers: dict[str, str]


@dataclass
class Team:
    workspace_id: str
    owner: Person
    admin: Person
    viewer: Person
    outsider: Person

    def path(self, rest: str = "") -> str:
        return f"/v1/workspaces/{self.workspace_id}{rest}"


async def _sign_up(client: httpx.AsyncClient, simulator: SimulatorServer, email: str) -> Person:
    user = clerk_users(simulator).create(email)
    headers = bearer(session_token(simulator, user.session_id))
    me = await client.get("/v1/me", headers=headers)
    assert me.status_code == 200, me.text
    return Person(me.json()["id"], email, headers)


@pytest.fixture
async def team(accounts_client: httpx.AsyncClient, simulator: SimulatorServer) -> Team:
    tag = secrets.token_hex(4)
    owner = await _sign_up(accounts_client, simulator, f"owner-{tag}@example.com")
    created = await accounts_client.post(
        "/v1/workspaces",
        json={"name": "Team shop", "currency": "EUR", "timezone": "Europe/Berlin"},
        headers=owner.headers,
    )
    assert created.status_code == 201, created.text
    workspace_id = created.json()["id"]
    for role in ("admin", "viewer"):
        invited = await accounts_client.post(
            f"/v1/workspaces/{workspace_id}/invitations",
            json={"email": f"{role}-{tag}@example.com", "role": role},
            headers=owner.headers,
        )
        assert invited.status_code == 201, invited.text
    admin = await _sign_up(accounts_client, simulator, f"admin-{tag}@example.com")
    viewer = await _sign_up(accounts_client, simulator, f"viewer-{tag}@example.com")
    outsider = await _sign_up(accounts_client, simulator, f"outsider-{tag}@example.com")
    return Team(workspace_id, owner, admin, viewer, outsider)


async def _roles(client: httpx.AsyncClient, team: Team) -> dict[str, str]:
    members = (await client.get(team.path("/members"), headers=team.owner.headers)).json()
    return {m["user_id"]: m["role"] for m in members["members"]}


async def test_every_member_reads(accounts_client: httpx.AsyncClient, team: Team) -> None:
    for person in (team.owner, team.admin, team.viewer):
        workspace = await accounts_client.get(team.path(), headers=person.headers)
        members = await accounts_client.get(team.path("/members"), headers=person.headers)
        assert workspace.status_code == 200 and members.status_code == 200
    assert await _roles(accounts_client, team) == {
        team.owner.user_id: "owner",
        team.admin.user_id: "admin",
        team.viewer.user_id: "viewer",
    }


async def test_a_viewer_never_writes(accounts_client: httpx.AsyncClient, team: Team) -> None:
    headers = team.viewer.headers
    writes = [
        ("PATCH", team.path(), {"name": "Mine now"}),
        ("POST", team.path("/invitations"), {"email": "friend@example.com", "role": "viewer"}),
        ("PATCH", team.path(f"/members/{team.viewer.user_id}"), {"role": "admin"}),
        ("DELETE", team.path(f"/members/{team.admin.user_id}"), None),
    ]
    for method, path, body in writes:
        response = await accounts_client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (method, path, response.text)
    workspace = (await accounts_client.get(team.path(), headers=headers)).json()
    assert workspace["name"] == "Team shop"
    assert len(await _roles(accounts_client, team)) == 3


async def test_an_admin_manages_everyone_but_owners(
    accounts_client: httpx.AsyncClient, team: Team
) -> None:
    headers = team.admin.headers
    renamed = await accounts_client.patch(team.path(), json={"name": "Renamed"}, headers=headers)
    promoted = await accounts_client.patch(
        team.path(f"/members/{team.viewer.user_id}"), json={"role": "admin"}, headers=headers
    )
    to_owner = await accounts_client.patch(
        team.path(f"/members/{team.viewer.user_id}"), json={"role": "owner"}, headers=headers
    )
    owner_invite = await accounts_client.post(
        team.path("/invitations"),
        json={"email": "boss@example.com", "role": "owner"},
        headers=headers,
    )
    demote_owner = await accounts_client.patch(
        team.path(f"/members/{team.owner.user_id}"), json={"role": "viewer"}, headers=headers
    )
    remove_owner = await accounts_client.delete(
        team.path(f"/members/{team.owner.user_id}"), headers=headers
    )

    assert (renamed.status_code, renamed.json()["name"]) == (200, "Renamed")
    assert promoted.status_code == 200
    assert [r.status_code for r in (to_owner, owner_invite, demote_owner, remove_owner)] == [
        403,
        403,
        403,
        403,
    ]
    removed = await accounts_client.delete(
        team.path(f"/members/{team.viewer.user_id}"), headers=headers
    )
    assert removed.status_code == 204
    assert await _roles(accounts_client, team) == {
        team.owner.user_id: "owner",
        team.admin.user_id: "admin",
    }
    # The removed member is now an outsider: the workspace does not exist for them.
    gone = await accounts_client.get(team.path(), headers=team.viewer.headers)
    assert gone.status_code == 404


async def test_the_last_owner_stays(accounts_client: httpx.AsyncClient, team: Team) -> None:
    headers = team.owner.headers
    demote = await accounts_client.patch(
        team.path(f"/members/{team.owner.user_id}"), json={"role": "admin"}, headers=headers
    )
    leave = await accounts_client.delete(
        team.path(f"/members/{team.owner.user_id}"), headers=headers
    )
    assert (demote.status_code, leave.status_code) == (409, 409)
    assert demote.headers["content-type"] == "application/problem+json"

    # With a second owner, the first may step down.
    promoted = await accounts_client.patch(
        team.path(f"/members/{team.admin.user_id}"), json={"role": "owner"}, headers=headers
    )
    stepped_down = await accounts_client.patch(
        team.path(f"/members/{team.owner.user_id}"), json={"role": "viewer"}, headers=headers
    )
    assert (promoted.status_code, stepped_down.status_code) == (200, 200)
    last = await accounts_client.delete(
        team.path(f"/members/{team.admin.user_id}"), headers=team.admin.headers
    )
    assert last.status_code == 409
    assert (await _roles(accounts_client, team))[team.admin.user_id] == "owner"


async def test_a_non_member_is_told_nothing_exists(
    accounts_client: httpx.AsyncClient, team: Team
) -> None:
    headers = team.outsider.headers
    calls = [
        ("GET", team.path(), None),
        ("PATCH", team.path(), {"name": "Hijacked"}),
        ("GET", team.path("/members"), None),
        ("POST", team.path("/invitations"), {"email": "x@example.com", "role": "viewer"}),
        ("PATCH", team.path(f"/members/{team.owner.user_id}"), {"role": "viewer"}),
        ("DELETE", team.path(f"/members/{team.owner.user_id}"), None),
    ]
    for method, path, body in calls:
        response = await accounts_client.request(method, path, json=body, headers=headers)
        assert response.status_code == 404, (method, path, response.text)


async def test_invitations_are_listed_and_revoked(
    accounts_client: httpx.AsyncClient, team: Team
) -> None:
    headers = team.admin.headers
    invited = await accounts_client.post(
        team.path("/invitations"), json={"email": "later@example.com"}, headers=headers
    )
    member_again = await accounts_client.post(
        team.path("/invitations"), json={"email": team.viewer.email}, headers=headers
    )
    # No address holds a control character (and PostgreSQL's text refuses NUL).
    malformed = [
        await accounts_client.post(
            team.path("/invitations"), json={"email": email}, headers=headers
        )
        for email in ("later\x00@example.com", "later@exa\x1fmple.com", "later@example.com\x7f")
    ]
    assert invited.json()["role"] == "viewer"
    assert member_again.status_code == 409
    assert [response.status_code for response in malformed] == [422, 422, 422]
    listed = (await accounts_client.get(team.path("/members"), headers=headers)).json()
    assert [i["email"] for i in listed["invitations"]] == ["later@example.com"]

    revoked = await accounts_client.delete(
        team.path(f"/invitations/{invited.json()['id']}"), headers=headers
    )
    listed = (await accounts_client.get(team.path("/members"), headers=headers)).json()
    assert revoked.status_code == 204 and listed["invitations"] == []


async def test_name_currency_and_timezone_are_validated_and_kept(
    accounts_client: httpx.AsyncClient, team: Team
) -> None:
    headers = team.owner.headers
    bad_zone = await accounts_client.patch(
        team.path(), json={"timezone": "Mars/Olympus"}, headers=headers
    )
    bad_currency = await accounts_client.patch(
        team.path(), json={"currency": "usd"}, headers=headers
    )
    # A name is one line of text (and PostgreSQL's text refuses NUL): no control characters.
    bad_names = [
        await accounts_client.patch(team.path(), json={"name": name}, headers=headers)
        for name in ("Team\x00shop", "Team\nshop", "Team\x7fshop")
    ]
    changed = await accounts_client.patch(
        team.path(), json={"currency": "USD", "timezone": "America/New_York"}, headers=headers
    )

    assert (bad_zone.status_code, bad_currency.status_code) == (422, 422)
    assert [response.status_code for response in bad_names] == [422, 422, 422]
    assert changed.status_code == 200
    workspace = (await accounts_client.get(team.path(), headers=team.viewer.headers)).json()
    assert (workspace["name"], workspace["currency"], workspace["timezone"]) == (
        "Team shop",
        "USD",
        "America/New_York",
    )


async def test_a_nul_character_is_refused_before_it_reaches_the_app_database(
    accounts_client: httpx.AsyncClient, team: Team
) -> None:
    # No id, name or filter holds one, and PostgreSQL's text cannot: a lookup with one failed
    # there (a 500) instead of finding nothing.
    headers = team.owner.headers
    in_path = [
        await accounts_client.get(path, headers=headers)
        for path in ("/v1/workspaces/ws%00", team.path("/copilot/conversations/c%00"))
    ]
    in_query = await accounts_client.get(
        team.path("/dashboard"), params={"range": "today\x00"}, headers=headers
    )
    in_body = [
        await accounts_client.post(team.path(path), json=body, headers=headers)
        for path, body in (
            ("/copilot/ask", {"question": "spend\x00yesterday"}),
            ("/copilot/ask", {"question": "spend", "conversation_id": "c\x00"}),
            ("/connections/selections/s1", {"external_account_ids": ["act_1\x00"]}),
        )
    ]

    assert [response.status_code for response in in_path] == [404, 404]
    assert in_query.status_code == 422
    assert [response.status_code for response in in_body] == [422, 422, 422]
    assert all(
        response.headers["content-type"] == "application/problem+json"
        for response in [*in_path, in_query, *in_body]
    )
