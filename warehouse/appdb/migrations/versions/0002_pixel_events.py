"""Pixel keys on connections and the inbox of web pixel events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite cannot add a unique constraint to an existing table in place.
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("pixel_key", sa.String(64), nullable=True))
        batch.create_unique_constraint(op.f("uq_connections_pixel_key"), ["pixel_key"])
    op.create_table(
        "pixel_events",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_pixel_events_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_pixel_events_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pixel_events")),
        sa.UniqueConstraint("connection_id", "event_id", name="uq_pixel_events_event"),
    )
    op.create_index("ix_pixel_events_received", "pixel_events", ["connection_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_pixel_events_received", table_name="pixel_events")
    op.drop_table("pixel_events")
    with op.batch_alter_table("connections") as batch:
        batch.drop_constraint(op.f("uq_connections_pixel_key"), type_="unique")
        batch.drop_column("pixel_key")
