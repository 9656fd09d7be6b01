from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from api.campaigns.service import Level, Sort
from api.reporting.attribution import AttributionModel
from api.reporting.money import Money


class EntityOut(BaseModel):
    id: str = Field(description="The platform's id of the campaign, ad set / ad group or ad.")
    provider: str = Field(description="`meta_ads` or `google_ads`.")
    level: Level
    name: str | None
    status: str | None = Field(
        description="As the platform states it (e.g. ACTIVE, PAUSED, DELETED); null when the "
        "platform's listing does not say (yet)."
    )
    effective_status: str | None = Field(
        description="The status the platform applies, parents included (e.g. CAMPAIGN_PAUSED)."
    )
    campaign_id: str | None = Field(description="The campaign it belongs to (itself, a campaign).")
    campaign_name: str | None
    ad_group_id: str | None = Field(description="At `ad` level: the ad set / ad group.")
    spend: Money | None = Field(
        description="Spend in the workspace currency; null without delivery in the period."
    )
    platform_conversions: float | None = Field(description="Conversions the platform claims.")
    platform_roas: float | None = Field(
        description="Conversion value the platform claims per unit of spend."
    )
    attributed_revenue: Money | None = Field(
        description="Net sales credited to the campaign by `attribution_model`, workspace "
        "currency; the shop credits campaigns only, so null at `adset` and `ad` level."
    )
    attributed_roas: float | None = Field(
        description="Attributed revenue per unit of spend; null at `adset` and `ad` level."
    )


class CampaignsOut(BaseModel):
    workspace_id: str
    currency: str = Field(description="The workspace currency every money value is in.")
    start: dt.date
    end: dt.date
    level: Level
    attribution_model: AttributionModel
    sort: Sort
    total: int = Field(description="Entities matching the filters, over all pages.")
    items: list[EntityOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` (with the same parameters) for the next page; null on "
        "the last."
    )
