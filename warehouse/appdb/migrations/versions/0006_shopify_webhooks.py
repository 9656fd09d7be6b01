"""Shopify webhooks: deliveries applied, early landings asked for, redactions and data requests.

Revision ID: 0006_shopify_webhooks
Revises: 0005_copilot
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_shopify_webhooks"
down_revision: str | Sequence[str] | None = "0005_copilot"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _connection_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["connection_id"],
        ["connections.id"],
        name=op.f(f"fk_{table}_connection_id_connections"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "shopify_webhook_deliveries",
        sa.Column("webhook_id", sa.String(128), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("shop_domain", sa.String(255), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("webhook_id", name=op.f("pk_shopify_webhook_deliveries")),
    )
    op.create_table(
        "shopify_landing_requests",
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        _connection_fk("shopify_landing_requests"),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_shopify_landing_requests")),
    )
    op.create_table(
        "shopify_redactions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=True),
        sa.Column("order_ids", sa.JSON(), nullable=False),
        sa.Column("digests", sa.JSON(), nullable=False),
        sa.Column("visitor_token", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "scope IN ('customer', 'shop')", name=op.f("ck_shopify_redactions_scope")
        ),
        _connection_fk("shopify_redactions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shopify_redactions")),
    )
    op.create_index("ix_shopify_redactions_connection", "shopify_redactions", ["connection_id"])
    op.create_table(
        "shopify_data_requests",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("data_request_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("phone", sa.String(64), nullable=True),
        sa.Column("order_ids", sa.JSON(), nullable=False),
        sa.Column("data_held", sa.JSON(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        _connection_fk("shopify_data_requests"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shopify_data_requests")),
    )
    op.create_index(
        "ix_shopify_data_requests_connection", "shopify_data_requests", ["connection_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_shopify_data_requests_connection", table_name="shopify_data_requests")
    op.drop_table("shopify_data_requests")
    op.drop_index("ix_shopify_redactions_connection", table_name="shopify_redactions")
    op.drop_table("shopify_redactions")
    op.drop_table("shopify_landing_requests")
    op.drop_table("shopify_webhook_deliveries")
