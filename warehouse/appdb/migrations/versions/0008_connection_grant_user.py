"""Whose consent a connection's credentials hold (Meta's user), in clear and indexed, so a
disconnect finds the user's other connections without opening every connection's credentials.

Revision ID: 0008_connection_grant_user
Revises: 0007_connection_errors
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_connection_grant_user"
down_revision: str | Sequence[str] | None = "0007_connection_errors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No backfill: the credentials are sealed with a key the migration does not hold. A
    # connection stored before is read the old way until its user is recorded
    # (api/connections/service.py).
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("grant_user_id", sa.String(128), nullable=True))
        batch.create_index("ix_connections_grant_user", ["provider", "grant_user_id"])


def downgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.drop_index("ix_connections_grant_user")
        batch.drop_column("grant_user_id")
