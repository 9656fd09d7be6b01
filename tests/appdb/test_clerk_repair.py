"""The user repair: webhook deliveries lost on purpose, then the app database made to agree with
Clerk's list, through the service (both backends), the admin route, the CLI and the Dagster job."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from metricx.settings import Settings, get_settings
from orchestration.definitions import build_definitions
from simulator.clerk.users import ClerkUsers
from simulator.server import SimulatorServer
from simulator.world import World
from stack import cli
from stack.simulated import simulated_platforms_env
from tests.helpers import make_settings, serve
from warehouse.appdb.accounts import RepairCounts, apply_user_event, repair_users
from warehouse.appdb.clerk_api import ClerkBackend
from warehouse.appdb.migrate import upgrade
from warehouse.appdb.models import User
from warehouse.appdb.session import open_session
from warehouse.appdb.upserts import upsert_user


@pytest.fixture
def clerk_server() -> Iterator[SimulatorServer]:
    # A world of its own: the repair compares the whole of Clerk's list with the app database.
    with SimulatorServer(World(merchants=2)) as server:
        yield server


@pytest.fixture
def clerk(clerk_server: SimulatorServer) -> Iterator[ClerkBackend]:
    env = simulated_platforms_env(clerk_server.base_url)
    backend = ClerkBackend(env["METRICX_CLERK_API_URL"], env["METRICX_CLERK_SECRET_KEY"])
    yield backend
    backend.close()


def _live_users(session: Session) -> set[tuple[str, str]]:
    rows = session.execute(select(User.clerk_user_id, User.email).where(User.deleted_at.is_(None)))
    return {(row.clerk_user_id, row.email) for row in rows}


def _clerk_users(users: ClerkUsers) -> set[tuple[str, str]]:
    return {(u.id, u.email.lower()) for u in users.page(limit=1000, offset=0)}


def _lose_some_deliveries(users: ClerkUsers, session: Session) -> None:
    """Changes in Clerk whose webhooks partly never arrive: a creation, an update and a
    deletion lost; a user metricx has that Clerk never had."""
    kept, lost = users.create("kept@example.com"), users.create("lost@example.com")
    changed = users.create("changed@example.com")
    removed = users.create("removed@example.com")
    delivered = users.take_outbox()
    users.update(changed.id, email="renamed@example.com")
    users.delete(removed.id)
    lost_updates = users.take_outbox()
    for delivery in delivered:
        if json.loads(delivery.body)["data"]["id"] != lost.id:
            assert apply_user_event(session, delivery.svix_id, json.loads(delivery.body))
    assert [d.event_type for d in lost_updates] == ["user.updated", "user.deleted"]
    upsert_user(session, clerk_user_id="user_never_in_clerk", email="ghost@example.com")
    session.commit()
    assert kept.id


def test_repair_makes_the_users_match_clerk(
    session: Session, clerk_server: SimulatorServer, clerk: ClerkBackend
) -> None:
    users = ClerkUsers.of(clerk_server.world)
    _lose_some_deliveries(users, session)
    assert _live_users(session) != _clerk_users(users)

    # Pages of 2: Clerk's five users (two merchants, kept, lost, changed) take three.
    counts = repair_users(session, clerk, page_size=2)
    session.commit()

    # The two merchants were never delivered either: created with the lost one; the removed
    # user and the one Clerk never had are deleted.
    assert counts == RepairCounts(created=3, updated=1, deleted=2, unchanged=1)
    assert _live_users(session) == _clerk_users(users)
    again = repair_users(session, clerk, page_size=2)
    assert again == RepairCounts(created=0, updated=0, deleted=0, unchanged=5)


def test_repair_restores_a_user_wrongly_deleted(
    session: Session, clerk_server: SimulatorServer, clerk: ClerkBackend
) -> None:
    users = ClerkUsers.of(clerk_server.world)
    repair_users(session, clerk)
    merchant = clerk_server.world.merchants[0]
    user = session.scalar(select(User).where(User.clerk_user_id == merchant.clerk_user_id))
    assert user is not None
    user.deleted_at = user.created_at
    session.commit()

    counts = repair_users(session, clerk)

    assert counts.updated == 1
    assert _live_users(session) == _clerk_users(users)


@pytest.fixture
def sqlite_settings(tmp_path: Path, clerk_server: SimulatorServer) -> Settings:
    url = f"sqlite:///{tmp_path}/app.db"
    upgrade(url)
    return make_settings(
        warehouse_url=f"duckdb:///{tmp_path}/warehouse.duckdb",
        app_database_url=url,
        simulator_url=clerk_server.base_url,
    )


def _repaired_users(settings: Settings) -> set[tuple[str, str]]:
    with open_session(settings.app_database_url) as session:
        return _live_users(session)


def test_the_cli_and_the_dagster_job_repair_alike(
    sqlite_settings: Settings,
    clerk_server: SimulatorServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    users = ClerkUsers.of(clerk_server.world)
    expected = _clerk_users(users)
    for name, value in {
        **simulated_platforms_env(clerk_server.base_url),
        "METRICX_APP_DATABASE_URL": sqlite_settings.app_database_url,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        assert cli.main(["clerk-repair"]) == 0
    finally:
        get_settings.cache_clear()
    printed = json.loads(capsys.readouterr().out)
    assert printed == asdict(RepairCounts(created=2, updated=0, deleted=0, unchanged=0))
    assert _repaired_users(sqlite_settings) == expected

    users.create("after-the-cli@example.com")
    job = build_definitions(sqlite_settings).get_job_def("clerk_repair")
    result = job.execute_in_process()

    assert result.success
    assert result.output_for_node("repair_clerk_users") == asdict(
        RepairCounts(created=1, updated=0, deleted=0, unchanged=2)
    )
    assert _repaired_users(sqlite_settings) == _clerk_users(users)


@pytest.mark.asyncio(loop_scope="session")
async def test_only_platform_admins_repair_over_http(
    sqlite_settings: Settings, clerk_server: SimulatorServer
) -> None:
    admin, merchant = clerk_server.world.merchants
    settings = sqlite_settings.model_copy(
        update={
            "platform_admins": f"user_someone_else, {admin.clerk_user_id}",
            "secret_key": Fernet.generate_key().decode(),
        }
    )

    def token(session_id: str) -> dict[str, str]:
        minted = httpx.post(f"{clerk_server.base_url}/clerk/v1/sessions/{session_id}/tokens")
        return {"Authorization": f"Bearer {minted.json()['jwt']}"}

    async with serve(settings) as client:
        refused = await client.post(
            "/v1/admin/clerk/repair", headers=token(merchant.clerk_session_id)
        )
        repaired = await client.post(
            "/v1/admin/clerk/repair", headers=token(admin.clerk_session_id)
        )
        again = await client.post("/v1/admin/clerk/repair", headers=token(admin.clerk_session_id))

    assert refused.status_code == 403
    # Both merchants were created on their first sign-in (the calls above), none by the repair.
    assert repaired.json() == {"created": 0, "updated": 0, "deleted": 0, "unchanged": 2}
    assert again.json() == repaired.json()
