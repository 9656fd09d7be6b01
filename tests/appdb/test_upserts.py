from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warehouse.appdb.credentials import CredentialCipher
from warehouse.appdb.models import (
    Connection,
    ConnectionStatus,
    Membership,
    Provider,
    Role,
    User,
    Workspace,
)
from warehouse.appdb.queries import active_connections
from warehouse.appdb.upserts import (
    ensure_membership,
    upsert_connection,
    upsert_user,
    upsert_workspace,
)


def _seed(session: Session, cipher: CredentialCipher, *, token: str = "t1") -> dict[str, str]:
    user = upsert_user(session, clerk_user_id="user_demo_1", email="owner@demo-1.example.com")
    workspace = upsert_workspace(
        session, slug="demo-1", name="Demo One", currency="EUR", timezone="Europe/Paris"
    )
    ensure_membership(session, user_id=user.id, workspace_id=workspace.id, role=Role.OWNER)
    connection = upsert_connection(
        session,
        workspace_id=workspace.id,
        provider=Provider.META_ADS,
        external_account_id="1000000001",
        display_name="Demo One (Meta)",
        credentials={"access_token": token},
        cipher=cipher,
        settings={"attribution_window": "7d_click"},
    )
    session.commit()
    return {"user": user.id, "workspace": workspace.id, "connection": connection.id}


def _counts(session: Session) -> list[int]:
    return [
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (User, Workspace, Membership, Connection)
    ]


def test_seeding_twice_changes_nothing(session: Session, cipher: CredentialCipher) -> None:
    first = _seed(session, cipher)
    stored = session.get_one(Connection, first["connection"])
    sealed, updated_at = stored.credentials_encrypted, stored.updated_at

    assert _seed(session, cipher) == first
    assert _counts(session) == [1, 1, 1, 1]
    session.expire_all()
    stored = session.get_one(Connection, first["connection"])
    assert (stored.credentials_encrypted, stored.updated_at) == (sealed, updated_at)


def test_upserts_apply_changed_values(session: Session, cipher: CredentialCipher) -> None:
    ids = _seed(session, cipher)
    upsert_workspace(
        session, slug="demo-1", name="Demo Renamed", currency="EUR", timezone="Europe/Paris"
    )
    ensure_membership(session, user_id=ids["user"], workspace_id=ids["workspace"], role="admin")
    upsert_connection(
        session,
        workspace_id=ids["workspace"],
        provider=Provider.META_ADS,
        external_account_id="1000000001",
        display_name="Demo One (Meta)",
        credentials={"access_token": "t2"},
        cipher=cipher,
        status=ConnectionStatus.PAUSED,
    )
    session.commit()
    session.expire_all()

    assert session.get_one(Workspace, ids["workspace"]).name == "Demo Renamed"
    assert session.get_one(Membership, (ids["user"], ids["workspace"])).role == "admin"
    connection = session.get_one(Connection, ids["connection"])
    assert cipher.decrypt(connection.credentials_encrypted) == {"access_token": "t2"}
    assert (connection.status, connection.settings) == ("paused", {})
    assert _counts(session) == [1, 1, 1, 1]


def test_active_connections_filters_by_provider_and_status(
    session: Session, cipher: CredentialCipher
) -> None:
    workspace_id = _seed(session, cipher)["workspace"]
    for account, provider, status in [
        ("0002", Provider.META_ADS, ConnectionStatus.ACTIVE),
        ("0003", Provider.META_ADS, ConnectionStatus.PAUSED),
        ("0004", Provider.META_ADS, ConnectionStatus.ERROR),
        ("shop.example", Provider.SHOPIFY, ConnectionStatus.ACTIVE),
    ]:
        upsert_connection(
            session,
            workspace_id=workspace_id,
            provider=provider,
            external_account_id=account,
            display_name=account,
            credentials={},
            cipher=cipher,
            status=status,
        )
    session.commit()

    # A connection in error is still synced: the next run may succeed. A paused one is not.
    meta = active_connections(session, Provider.META_ADS)
    assert [c.external_account_id for c in meta] == ["0002", "0004", "1000000001"]
    assert [c.external_account_id for c in active_connections(session, "shopify")] == [
        "shop.example"
    ]
    assert active_connections(session, Provider.GOOGLE_ADS) == []
