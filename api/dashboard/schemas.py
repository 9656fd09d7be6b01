from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer

from api.freshness.schemas import SourceFreshnessOut
from api.reporting.attribution import AttributionModel
from api.reporting.periods import ReportRange

# Exact amounts travel as strings: JSON numbers are floats to most clients.
Money = Annotated[Decimal, PlainSerializer(str, return_type=str)]
Number = Annotated[Decimal, PlainSerializer(str, return_type=str)]


class MoneyKpi(BaseModel):
    value: Money | None = Field(description="Over the period, workspace currency.")
    previous: Money | None = Field(description="Over the previous period; null without compare.")
    delta_pct: Decimal | None = Field(
        description="Change from `previous` in percent; null when previous is 0 or absent."
    )


class RatioKpi(BaseModel):
    value: float | None = Field(description="Ratio of the period's sums; null over zero.")
    previous: float | None
    delta_pct: Decimal | None


class CountKpi(BaseModel):
    value: int | None = Field(description="A count over the period.")
    previous: int | None
    delta_pct: Decimal | None


class QuantityKpi(BaseModel):
    value: Number | None = Field(
        description="A quantity that may be fractional (the platforms split conversions), as a "
        "decimal string."
    )
    previous: Number | None
    delta_pct: Decimal | None


class Kpis(BaseModel):
    net_revenue: MoneyKpi = Field(
        description="Net sales as Shopify's reports define them (metric `revenue`)."
    )
    spend: MoneyKpi
    platform_roas: RatioKpi = Field(description="Conversion value the platforms claim / spend.")
    mer: RatioKpi = Field(description="Net revenue / all ad spend, the whole shop's.")
    attributed_roas: RatioKpi = Field(
        description="Net sales the attribution model credits to ad campaigns / spend."
    )
    attributed_cpa: MoneyKpi = Field(description="Spend / orders credited to ad campaigns.")
    platform_conversions: QuantityKpi
    orders: CountKpi
    aov: MoneyKpi = Field(description="Net revenue / orders.")
    new_customers: CountKpi
    new_customer_cac: MoneyKpi = Field(description="All ad spend / new customers.")


class ChartPoint(BaseModel):
    at: dt.datetime | dt.date = Field(
        description="A day, or the end of a 15-minute window in the workspace's timezone."
    )
    spend: Money | None = Field(description="Spend (day so far at `at` for 15-minute points).")
    revenue: Money | None = Field(
        description="Net revenue for the total, attributed revenue for a provider; day so far "
        "for 15-minute points (the total only)."
    )


class ChartSeries(BaseModel):
    provider: str = Field(description="`meta_ads`, `google_ads`, or `total`.")
    points: list[ChartPoint]


class Chart(BaseModel):
    granularity: Literal["15m", "day"]
    series: list[ChartSeries]


class TopCampaign(BaseModel):
    campaign_id: str
    provider: str | None
    name: str | None
    status: str | None = Field(description="The platform's effective status (ACTIVE, PAUSED, …).")
    spend: Money | None
    platform_conversions: Number | None
    platform_roas: float | None
    attributed_revenue: Money | None
    attributed_roas: float | None


class ProviderSpendOut(BaseModel):
    provider: str
    spend: Money
    share: Decimal | None = Field(description="Of all spend, 0–1; null when nothing was spent.")


class ChannelRevenueOut(BaseModel):
    channel: str = Field(description="meta_paid, google_paid, email, organic_search, …")
    provider: str | None
    attributed_revenue: Money


class AttributionOut(BaseModel):
    channels: list[ChannelRevenueOut]
    unattributed_revenue: Money = Field(description="Net revenue of orders with no touchpoint.")
    attribution_rate: Decimal | None = Field(
        description="Share of net revenue with a touchpoint, 0–1."
    )


class Definition(BaseModel):
    metric: str = Field(description="The semantic-layer metric the figure is.")
    label: str
    formula: str = Field(description="As the semantic layer states it.")
    description: str


class PeriodOut(BaseModel):
    start: dt.date
    end: dt.date


class DashboardMeta(BaseModel):
    currency: str
    timezone: str
    range: ReportRange
    period: PeriodOut
    previous_period: PeriodOut | None
    attribution_model: AttributionModel
    attribution_lookback_days: int
    provider: str | None
    freshness: list[SourceFreshnessOut] = Field(
        description="Per connection and source, the newest window landed (as `/freshness`)."
    )
    stale: bool = Field(
        description="A source never landed, is more than an hour behind, or its connection is "
        "in error."
    )
    definitions: dict[str, Definition] = Field(description="Per KPI key.")


class Dashboard(BaseModel):
    kpis: Kpis
    chart: Chart
    top_campaigns: list[TopCampaign]
    spend_mix: list[ProviderSpendOut]
    attribution: AttributionOut | None = Field(
        description="Only when a Shopify store is connected."
    )
    meta: DashboardMeta
