"""Per connection and landed source of a workspace: the newest 15-minute window in the
published marts (marts.fct_landing_freshness), how far behind the clock it is, and whether that
is stale.

The connections and their status come from the app database, the windows from the marts: a
connection that never landed is listed too (stale, without a window).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.appdb.models import Connection, ConnectionStatus, Provider
from warehouse.connection import WINDOW_LENGTH, WarehouseReader
from warehouse.raw_tables import (
    GOOGLE_ADS_AD_GROUP_HOURLY,
    META_ADS_INSIGHTS_HOURLY,
    SHOPIFY_ORDERS,
    SHOPIFY_PIXEL_EVENTS,
)

# A source is stale past this many closed windows without landing. The schedule lands each
# window two minutes after it closes and the build follows, so a healthy source is 0 or 1
# behind; 4 (an hour) lets one failed run be retried before the merchant is told.
STALE_AFTER_WINDOWS = 4

Source = Literal["meta_ads", "google_ads", "shopify_orders", "shopify_pixel"]
# What each provider's connection lands, by the raw table its windows land in.
_SOURCES: dict[str, tuple[tuple[Source, str], ...]] = {
    Provider.META_ADS: (("meta_ads", META_ADS_INSIGHTS_HOURLY.name),),
    Provider.GOOGLE_ADS: (("google_ads", GOOGLE_ADS_AD_GROUP_HOURLY.name),),
    Provider.SHOPIFY: (
        ("shopify_orders", SHOPIFY_ORDERS.name),
        ("shopify_pixel", SHOPIFY_PIXEL_EVENTS.name),
    ),
}

_FRESHNESS_SQL = """
SELECT connection_id, source_table, last_window_start, last_window_end, last_landed_at
FROM marts.fct_landing_freshness
WHERE workspace_id = :workspace_id
"""


@dataclass(frozen=True)
class LandedWindow:
    start: datetime
    end: datetime
    landed_at: datetime  # the connection's latest landing of the source, whichever window


@dataclass(frozen=True)
class SourceFreshness:
    connection_id: str
    connection_name: str
    provider: str
    source: Source
    connection_status: str  # the app's ConnectionStatus
    last_window: LandedWindow | None  # None: never landed
    windows_behind: int | None  # closed windows after last_window; None when never landed
    stale: bool


@dataclass(frozen=True)
class WorkspaceFreshness:
    as_of: datetime  # the latest window boundary at or before `now`: windows_behind counts to it
    sources: list[SourceFreshness]

    @property
    def stale(self) -> bool:
        return any(source.stale for source in self.sources)


def freshness(
    warehouse: WarehouseReader, workspace_id: str, now: datetime, *, app_db: Session
) -> WorkspaceFreshness:
    """Every landed source of every connection of the workspace, in a stable order (provider,
    connection name, source). A source is stale when it never landed, is more than
    `STALE_AFTER_WINDOWS` closed windows behind `now`, or its connection is in `error`."""
    as_of = window_floor(now)
    landed = {
        (row["connection_id"], row["source_table"]): LandedWindow(
            _utc(row["last_window_start"]),
            _utc(row["last_window_end"]),
            _utc(row["last_landed_at"]),
        )
        for row in warehouse.fetch_all(_FRESHNESS_SQL, {"workspace_id": workspace_id})
    }
    connections = app_db.scalars(
        select(Connection)
        .where(Connection.workspace_id == workspace_id)
        .order_by(Connection.provider, Connection.display_name, Connection.id)
    )
    sources = []
    for connection in connections:
        for source, source_table in _SOURCES.get(connection.provider, ()):
            window = landed.get((connection.id, source_table))
            behind = None if window is None else max(0, (as_of - window.end) // WINDOW_LENGTH)
            sources.append(
                SourceFreshness(
                    connection_id=connection.id,
                    connection_name=connection.display_name,
                    provider=connection.provider,
                    source=source,
                    connection_status=connection.status,
                    last_window=window,
                    windows_behind=behind,
                    stale=behind is None
                    or behind > STALE_AFTER_WINDOWS
                    or connection.status
                    in (ConnectionStatus.ERROR, ConnectionStatus.NEEDS_RECONNECT),
                )
            )
    return WorkspaceFreshness(as_of, sources)


def window_floor(moment: datetime) -> datetime:
    """The start of the 15-minute window holding `moment` (UTC): the end of the last closed one."""
    moment = moment.astimezone(UTC)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return moment - (moment - epoch) % WINDOW_LENGTH


def _utc(moment: datetime) -> datetime:
    # Both backends return aware timestamps for timestamptz; made UTC for the answer.
    return moment.astimezone(UTC)
