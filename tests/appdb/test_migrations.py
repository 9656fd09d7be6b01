from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from warehouse.appdb.migrate import alembic_config, upgrade
from warehouse.appdb.models import Base
from warehouse.appdb.session import make_engine


def test_upgrade_reaches_head_and_matches_the_models(
    app_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the migrations are found from any working directory
    upgrade(app_db_url)
    upgrade(app_db_url)  # a second run finds nothing to do

    engine = make_engine(app_db_url)
    try:
        with engine.connect() as connection:
            head = ScriptDirectory.from_config(alembic_config(connection)).get_current_head()
            assert MigrationContext.configure(connection).get_current_revision() == head
            assert set(inspect(connection).get_table_names()) == {
                "alembic_version",
                "users",
                "workspaces",
                "memberships",
                "connections",
                "pixel_events",
                "invitations",
                "clerk_webhook_deliveries",
                "oauth_states",
                "pending_selections",
                "copilot_conversations",
                "copilot_turns",
                "shopify_webhook_deliveries",
                "shopify_landing_requests",
                "shopify_redactions",
                "shopify_data_requests",
            }
            # Autogenerate finds no difference: the migration creates exactly the models.
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()


def test_foreign_keys_and_checks_are_enforced(app_db_url: str) -> None:
    upgrade(app_db_url)
    engine = make_engine(app_db_url)
    try:
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text("INSERT INTO memberships VALUES ('no-such-user', 'no-such-ws', 'owner')")
            )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, clerk_user_id, email, created_at)"
                    " VALUES ('u1', 'user_1', 'a@example.com', :now)"
                ),
                {"now": "2026-11-25 00:00:00"},
            )
            connection.execute(
                text("INSERT INTO workspaces VALUES ('w1', 'w', 'W', 'USD', 'UTC', :now)"),
                {"now": "2026-11-25 00:00:00"},
            )
            connection.execute(text("INSERT INTO memberships VALUES ('u1', 'w1', 'superuser')"))
    finally:
        engine.dispose()


def test_members_become_viewers(app_db_url: str) -> None:
    """0003 renames the read-only role: a `member` of before reads on as a `viewer`."""
    engine = make_engine(app_db_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0002")
            connection.execute(
                text(
                    "INSERT INTO users (id, clerk_user_id, email, created_at)"
                    " VALUES ('u1', 'user_1', 'a@example.com', :now)"
                ),
                {"now": "2026-11-25 00:00:00"},
            )
            connection.execute(
                text("INSERT INTO workspaces VALUES ('w1', 'w', 'W', 'USD', 'UTC', :now)"),
                {"now": "2026-11-25 00:00:00"},
            )
            connection.execute(text("INSERT INTO memberships VALUES ('u1', 'w1', 'member')"))
        upgrade(app_db_url)
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT role FROM memberships")) == "viewer"
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("UPDATE memberships SET role = 'member'"))
    finally:
        engine.dispose()
