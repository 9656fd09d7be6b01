"""Accounts: Clerk's profile mirror (soft deletes, its `updated_at`), applied webhook deliveries,
invitations, and the `viewer` role replacing `member`.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLES_BEFORE = "role IN ('owner', 'admin', 'member')"
_ROLES_AFTER = "role IN ('owner', 'admin', 'viewer')"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("clerk_updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    # A member could only read: the same right under its new name. The check is rebuilt around
    # the rename (SQLite alters a check only by rebuilding the table, hence batch mode).
    with op.batch_alter_table("memberships") as batch:
        batch.drop_constraint(op.f("ck_memberships_role"), type_="check")
    op.execute("UPDATE memberships SET role = 'viewer' WHERE role = 'member'")
    with op.batch_alter_table("memberships") as batch:
        batch.create_check_constraint(op.f("ck_memberships_role"), _ROLES_AFTER)
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("invited_by", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_ROLES_AFTER, name=op.f("ck_invitations_role")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_invitations_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_invitations_invited_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("workspace_id", "email", name="uq_invitations_email"),
    )
    op.create_table(
        "clerk_webhook_deliveries",
        sa.Column("svix_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("svix_id", name=op.f("pk_clerk_webhook_deliveries")),
    )


def downgrade() -> None:
    op.drop_table("clerk_webhook_deliveries")
    op.drop_table("invitations")
    with op.batch_alter_table("memberships") as batch:
        batch.drop_constraint(op.f("ck_memberships_role"), type_="check")
    op.execute("UPDATE memberships SET role = 'member' WHERE role = 'viewer'")
    with op.batch_alter_table("memberships") as batch:
        batch.create_check_constraint(op.f("ck_memberships_role"), _ROLES_BEFORE)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("deleted_at")
        batch.drop_column("clerk_updated_at")
