"""Connection onboarding: OAuth states, pending account selections, connections that need a
reconnect (since when) or were disconnected, and the windows a reconnect has to backfill.

Revision ID: connection_onboarding
Revises: 0003
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "connection_onboarding"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES_BEFORE = "status IN ('active', 'paused', 'error')"
_STATUSES_AFTER = "status IN ('active', 'paused', 'error', 'needs_reconnect', 'disconnected')"
_PROVIDERS = "provider IN ('meta_ads', 'google_ads', 'shopify')"


def upgrade() -> None:
    # Batch mode: SQLite cannot replace a check constraint in place.
    with op.batch_alter_table("connections") as batch:
        batch.drop_constraint(op.f("ck_connections_status"), type_="check")
        batch.create_check_constraint(op.f("ck_connections_status"), _STATUSES_AFTER)
        for column in ("needs_reconnect_since", "backfill_from", "backfill_until"):
            batch.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "oauth_states",
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_PROVIDERS, name=op.f("ck_oauth_states_provider")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_oauth_states_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_oauth_states_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_oauth_states")),
    )
    op.create_table(
        "pending_selections",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("credentials_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("accounts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_PROVIDERS, name=op.f("ck_pending_selections_provider")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_pending_selections_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_pending_selections_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_selections")),
    )


def downgrade() -> None:
    op.drop_table("pending_selections")
    op.drop_table("oauth_states")
    op.execute(
        "UPDATE connections SET status = 'error' "
        "WHERE status IN ('needs_reconnect', 'disconnected')"
    )
    with op.batch_alter_table("connections") as batch:
        for column in ("backfill_until", "backfill_from", "needs_reconnect_since"):
            batch.drop_column(column)
        batch.drop_constraint(op.f("ck_connections_status"), type_="check")
        batch.create_check_constraint(op.f("ck_connections_status"), _STATUSES_BEFORE)
