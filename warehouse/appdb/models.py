"""ORM models of the app database. The Alembic migrations in `migrations/` mirror them exactly."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import CHAR, TypeDecorator

# Deterministic constraint names, so later migrations (and SQLite batch rebuilds) can address them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Role(StrEnum):
    """What a member may do in a workspace: an owner everything, an admin everything but grant
    or take the owner role, a viewer read."""

    OWNER = "owner"
    ADMIN = "admin"
    VIEWER = "viewer"


class Provider(StrEnum):
    META_ADS = "meta_ads"
    GOOGLE_ADS = "google_ads"
    SHOPIFY = "shopify"


class ConnectionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    # Its last sync failed in a way a retry can fix (the platform down, an unreadable answer):
    # still synced, back to active with its next successful sync.
    ERROR = "error"
    # The platform refused the stored credentials (expired, revoked): not synced until the
    # merchant reconnects through the same OAuth flow.
    NEEDS_RECONNECT = "needs_reconnect"
    # Disconnected by the merchant: not synced, its landed history kept.
    DISCONNECTED = "disconnected"


# The statuses whose connections are synced every window.
SYNCED_STATUSES = (ConnectionStatus.ACTIVE, ConnectionStatus.ERROR)


def new_id() -> str:
    return uuid.uuid4().hex


def utc_now() -> datetime:
    return datetime.now(UTC)


def _one_of(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend: SQLite would store and return naive ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """A person signed in with Clerk. Clerk owns the profile; this row mirrors it (webhooks,
    first sign-in, repair) and is soft-deleted with it, so memberships' history stays readable."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    clerk_user_id: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # Clerk's own `updated_at` of the profile mirrored here: an older event never overwrites a
    # newer one, whatever order the deliveries arrive in. None for rows seeded without Clerk.
    clerk_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(CHAR(3))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (CheckConstraint(_one_of("role", Role), name="role"),)

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16))


class Invitation(Base):
    """An email invited into a workspace with a role, accepted when that email signs in."""

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("workspace_id", "email", name="uq_invitations_email"),
        CheckConstraint(_one_of("role", Role), name="role"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    # Lower-cased: Clerk treats addresses case-insensitively.
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    invited_by: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class ClerkWebhookDelivery(Base):
    """A Clerk (Svix) delivery already applied, by its `svix-id`: Svix retries and replays
    deliveries, and a second one must change nothing."""

    __tablename__ = "clerk_webhook_deliveries"

    svix_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class Connection(Base):
    """One ad or shop account a workspace pulls data from."""

    __tablename__ = "connections"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "provider", "external_account_id", name="uq_connections_account"
        ),
        CheckConstraint(_one_of("provider", Provider), name="provider"),
        CheckConstraint(_one_of("status", ConnectionStatus), name="status"),
        Index("ix_connections_grant_user", "provider", "grant_user_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))
    external_account_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=ConnectionStatus.ACTIVE.value)
    # Fernet token of the JSON credentials; see credentials.py. Never store them in clear.
    credentials_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    # The platform user whose consent the credentials hold, where the platform revokes per user
    # (Meta; see upserts.grant_user). An id, no secret: kept in clear so a disconnect finds that
    # user's other connections without opening anyone's credentials. None once disconnected,
    # and on connections sealed before it was recorded.
    grant_user_id: Mapped[str | None] = mapped_column(String(128), default=None)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Public key the shop's web pixel sends its events with (Shopify connections only). Public
    # because it ships in storefront JavaScript: it identifies the shop, it authorises nothing
    # but writing into this connection's pixel inbox. Rotating it revokes the old one.
    pixel_key: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    # Start of the first window a sync failed for want of a reconnect; cleared by the reconnect.
    needs_reconnect_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # When the failed syncs of status `error` began; cleared by the next successful sync.
    error_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The windows missed while it needed reconnecting, [from, until), set by the reconnect and
    # cleared once the orchestration has launched their landing (orchestration/backfills.py).
    backfill_from: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    backfill_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)


class OAuthState(Base):
    """An OAuth `state` handed to a platform's consent page: the signed token carries this
    nonce, and the row makes it single-use (`used_at`) and binds it to who started the flow."""

    __tablename__ = "oauth_states"
    __table_args__ = (CheckConstraint(_one_of("provider", Provider), name="provider"),)

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class PendingSelection(Base):
    """The accounts a merchant's grant can reach, waiting for them to choose which to connect.

    The grant's credentials wait here encrypted, like a connection's, and are copied into the
    connections chosen; the row is deleted once the choice is made.
    """

    __tablename__ = "pending_selections"
    __table_args__ = (CheckConstraint(_one_of("provider", Provider), name="provider"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    provider: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    credentials_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    # [{"external_account_id", "display_name", "settings"}], as listed by the platform.
    accounts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PixelEvent(Base):
    """A storefront event received from a shop's web pixel, waiting to be landed.

    The API only writes here (the warehouse has one writer: the pipeline), and the landing asset
    moves each window's receipts into the warehouse. `event_id` is the pixel's own id: the pixel
    retries, so it is unique per connection and a retry stores nothing twice.
    """

    __tablename__ = "pixel_events"
    __table_args__ = (
        UniqueConstraint("connection_id", "event_id", name="uq_pixel_events_event"),
        Index("ix_pixel_events_received", "connection_id", "received_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(128))
    payload: Mapped[str] = mapped_column(Text)  # the event as the pixel sent it, JSON text
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CopilotConversation(Base):
    """A user's conversation with the copilot in one workspace: follow-ups edit its last query."""

    __tablename__ = "copilot_conversations"
    __table_args__ = (Index("ix_copilot_conversations_owner", "workspace_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)


class CopilotTurn(Base):
    """One question of a conversation, what it was understood as, and the answer given."""

    __tablename__ = "copilot_turns"
    __table_args__ = (
        UniqueConstraint("conversation_id", "position", name="uq_copilot_turns_position"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("copilot_conversations.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text)
    # The structured query ({"query": ...}) or the refusal ({"refusal": ...}) as JSON.
    intent: Mapped[dict[str, Any]] = mapped_column(JSON)
    answer: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class RedactionScope(StrEnum):
    CUSTOMER = "customer"
    SHOP = "shop"


class ShopifyWebhookDelivery(Base):
    """A Shopify webhook delivery already applied, by its `X-Shopify-Webhook-Id`: Shopify retries
    a delivery for 48 hours with the same id, and a second one must change nothing. Kept at least
    as long as a delivery is accepted (api/webhooks/shopify.py, `MAX_DELIVERY_AGE`)."""

    __tablename__ = "shopify_webhook_deliveries"

    webhook_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))
    shop_domain: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class ShopifyLandingRequest(Base):
    """A shop's orders changed (an order webhook): land its current window now rather than at the
    next tick. One row per connection, however many orders arrive before the sensor's next look
    (orchestration/defs/shopify/sensors.py); the sensor deletes what it launched."""

    __tablename__ = "shopify_landing_requests"

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ShopifyRedaction(Base):
    """A customer's (`customers/redact`) or a whole shop's (`shop/redact`) personal data to erase.

    The API erases the app database's copy when the webhook arrives; the warehouse's is erased by
    the pipeline (its only writer), which then clears the identifiers and keeps only their
    digests (warehouse/redaction.py): those stay, so every later landing of the shop leaves the
    same rows out or anonymised, and a re-run of an old window cannot bring the data back.
    """

    __tablename__ = "shopify_redactions"
    __table_args__ = (
        CheckConstraint(_one_of("scope", RedactionScope), name="scope"),
        Index("ix_shopify_redactions_connection", "connection_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(16))
    # The customer's and orders' Shopify ids (gid form) until the warehouse is erased, then None
    # and [] (only the digests remain).
    customer_id: Mapped[str | None] = mapped_column(String(128), default=None)
    order_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # SHA-256 digests (shop-scoped) of the customer, their orders and their browsers' pixel
    # client ids, each with the anonymous id it lands as: what the landings check every row
    # against.
    digests: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Random; each of the customer's browsers becomes an anonymous visitor derived from it
    # (warehouse/redaction.py, `anonymous_client`), so the sessions of their orders are as before
    # (attribution unchanged) without naming anyone.
    visitor_token: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ShopifyDataRequest(Base):
    """A customer asked the merchant for their data (`customers/data_request`): recorded with what
    metricx holds about them, for the merchant to fulfil (Shopify expects the app to answer the
    merchant, not the customer, within 30 days). Erased by a later redaction of the customer."""

    __tablename__ = "shopify_data_requests"
    __table_args__ = (Index("ix_shopify_data_requests_connection", "connection_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    data_request_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(128))
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    phone: Mapped[str | None] = mapped_column(String(64), default=None)
    order_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # {"pixel_events": n, "orders": [...]}: what metricx holds about the customer when asked.
    data_held: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
