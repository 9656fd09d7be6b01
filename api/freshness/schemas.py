from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.freshness.service import STALE_AFTER_WINDOWS, Source, SourceFreshness


class LandedWindowOut(BaseModel):
    start: datetime = Field(description="Start (UTC) of the newest 15-minute window landed.")
    end: datetime = Field(description="End (UTC, exclusive): the data is current up to here.")
    landed_at: datetime = Field(
        description="When the source last landed anything (UTC); a re-landed older window "
        "(a platform's restatement) counts, so it may be later than `end`."
    )


class SourceFreshnessOut(BaseModel):
    connection_id: str
    connection_name: str
    provider: str = Field(description="meta_ads, google_ads or shopify.")
    source: Source = Field(
        description="What landed: `meta_ads` insights, `google_ads` ad groups, "
        "`shopify_orders`, or the storefront's `shopify_pixel` events (a Shopify connection "
        "has both)."
    )
    connection_status: str = Field(
        description="The connection's status in metricx: `active`, `paused` (not synced), "
        "`error`, `needs_reconnect` (its credentials were refused: not synced until a member "
        "reconnects it) or `disconnected`."
    )
    last_window: LandedWindowOut | None = Field(
        description="The newest window of the source in the published data; null when it "
        "never landed. An older window that failed and awaits its retry does not show here: "
        "the days' `coverage` of the reporting routes tells those."
    )
    windows_behind: int | None = Field(
        description="Closed 15-minute windows between `last_window.end` and `as_of`; 0 or 1 "
        "while the pipeline keeps up; null when it never landed."
    )
    stale: bool = Field(
        description=f"True when the source never landed, is more than {STALE_AFTER_WINDOWS} "
        "windows behind, or its connection is in `error`."
    )

    @classmethod
    def of(cls, source: SourceFreshness) -> SourceFreshnessOut:
        window = source.last_window
        return cls(
            connection_id=source.connection_id,
            connection_name=source.connection_name,
            provider=source.provider,
            source=source.source,
            connection_status=source.connection_status,
            last_window=None
            if window is None
            else LandedWindowOut(start=window.start, end=window.end, landed_at=window.landed_at),
            windows_behind=source.windows_behind,
            stale=source.stale,
        )


class Freshness(BaseModel):
    workspace_id: str
    as_of: datetime = Field(
        description="The latest 15-minute boundary at or before the request (UTC): the end of "
        "the newest window that could have landed."
    )
    stale_after_windows: int = Field(
        description="How many windows behind a source may be before it is stale."
    )
    stale: bool = Field(description="True when any source is stale.")
    sources: list[SourceFreshnessOut] = Field(
        description="Every source of every connection of the workspace, by provider, "
        "connection name and source."
    )
