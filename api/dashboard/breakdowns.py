"""The dashboard's breakdowns: the top campaigns, the spend mix per provider and where the
attributed revenue came from."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from api.dashboard.kpis import ADS_PROVIDER, ATTRIBUTION_PROVIDER, by_provider_filter
from api.dashboard.rollup import rolled_up
from api.reporting.attribution import AttributionModel
from api.reporting.periods import Period
from warehouse.connection import WarehouseReader
from warehouse.semantic.compiler import MetricQuery, SemanticLayer

TOP_CAMPAIGNS = 10
DAY = "metric_time__day"
CHANNEL = "attributed_performance_day__channel"
IS_ATTRIBUTED = "attributed_performance_day__is_attributed"
_CAMPAIGN = "campaign"
# Names and statuses are the entities' own, not metrics: read as they are.
_CAMPAIGNS_SQL = """
SELECT entity_id AS campaign_id, platform, entity_name, status, effective_status
FROM marts.dim_ad_entities
WHERE workspace_id = :workspace_id AND entity_level = 'campaign'
"""


@dataclass(frozen=True)
class CampaignRow:
    campaign_id: str
    provider: str | None
    name: str | None
    status: str | None
    spend: Decimal | None
    platform_conversions: Decimal | None
    platform_roas: float | None
    attributed_revenue: Decimal | None
    attributed_roas: float | None


@dataclass(frozen=True)
class ProviderSpend:
    provider: str
    spend: Decimal
    share: Decimal | None


@dataclass(frozen=True)
class ChannelRevenue:
    channel: str
    provider: str | None
    attributed_revenue: Decimal


@dataclass(frozen=True)
class AttributionBreakdown:
    channels: list[ChannelRevenue]
    unattributed_revenue: Decimal
    attribution_rate: Decimal | None


class Breakdowns:
    """The breakdown queries of one workspace's period, bound once.

    Spend and attributed revenue are fetched per day (`spend_by_day`, `attributed_by_day`) and
    each serves two sections, the daily chart and a breakdown (api/dashboard/rollup.py). Their
    queries are not filtered on the provider: spend keeps that provider's rows, which is what the
    filter would return, as the provider is one of the groups; attributed revenue keeps every
    provider's, for the attribution section is the whole shop's.
    """

    def __init__(
        self,
        semantic_layer: SemanticLayer,
        warehouse: WarehouseReader,
        workspace_id: str,
        period: Period,
        model: AttributionModel,
        provider: str | None,
    ) -> None:
        self._semantic_layer = semantic_layer
        self._warehouse = warehouse
        self._workspace_id = workspace_id
        self._period = period
        # The model's metrics, as the semantic layer names them.
        self._attributed_revenue = model.metric("attributed_revenue")
        self._attributed_roas = model.metric("attributed_roas")
        self._provider = provider

    def spend_by_day(self) -> list[dict[str, Any]]:
        """Spend per day and ad provider (the request's provider only, when it names one)."""
        rows = self._query(("spend",), (DAY, ADS_PROVIDER), None)
        return [row for row in rows if self._provider in (None, row[ADS_PROVIDER])]

    def attributed_by_day(self) -> list[dict[str, Any]]:
        """The model's attributed revenue per day, channel and provider, credited or not."""
        return self._query(
            (self._attributed_revenue,),
            (DAY, CHANNEL, ATTRIBUTION_PROVIDER, IS_ATTRIBUTED),
            None,
        )

    def campaign_entities(self) -> dict[str, dict[str, Any]]:
        """The workspace's campaigns' names and statuses, by campaign id."""
        return {
            row["campaign_id"]: row
            for row in self._warehouse.fetch_all(
                _CAMPAIGNS_SQL, {"workspace_id": self._workspace_id}
            )
        }

    def campaign_delivery(self) -> dict[str, dict[str, Any]]:
        """What each campaign spent and what the platform and the model credit it, by campaign
        id."""
        return self._by_campaign(
            {
                ADS_PROVIDER: ("spend", "platform_conversions", "platform_roas"),
                ATTRIBUTION_PROVIDER: (self._attributed_revenue, self._attributed_roas),
            }
        )

    def top_campaigns(
        self, delivery: dict[str, dict[str, Any]], entities: dict[str, dict[str, Any]]
    ) -> list[CampaignRow]:
        """The ten campaigns that spent most (`campaign_delivery`), with their names and
        statuses (`campaign_entities`)."""
        # A campaign with credit but no delivery in the period has no spend to rank by.
        top = sorted(
            (row for row in delivery.values() if row.get("spend") is not None),
            key=lambda row: (-row["spend"], row[_CAMPAIGN]),
        )[:TOP_CAMPAIGNS]
        campaigns = []
        for row in top:
            entity = entities.get(row[_CAMPAIGN], {})
            campaigns.append(
                CampaignRow(
                    campaign_id=row[_CAMPAIGN],
                    provider=entity.get("platform"),
                    name=entity.get("entity_name"),
                    status=entity.get("effective_status") or entity.get("status"),
                    spend=row["spend"],
                    platform_conversions=row["platform_conversions"],
                    platform_roas=row["platform_roas"],
                    attributed_revenue=row.get(self._attributed_revenue),
                    attributed_roas=row.get(self._attributed_roas),
                )
            )
        return campaigns

    def spend_mix(self, spend_by_day: list[dict[str, Any]]) -> list[ProviderSpend]:
        spend = {
            name: amount or Decimal(0)
            for (name,), amount in rolled_up(
                self._semantic_layer, "spend", spend_by_day, (ADS_PROVIDER,)
            ).items()
        }
        total = sum(spend.values(), Decimal(0))
        return [
            ProviderSpend(
                name, amount, (amount / total).quantize(Decimal("0.0001")) if total else None
            )
            for name, amount in sorted(spend.items())
        ]

    def attribution(self, attributed_by_day: list[dict[str, Any]]) -> AttributionBreakdown:
        """Attributed revenue per channel and provider; revenue no touchpoint explains; and
        the share of revenue with a touchpoint."""
        groups = rolled_up(
            self._semantic_layer,
            self._attributed_revenue,
            attributed_by_day,
            (CHANNEL, ATTRIBUTION_PROVIDER, IS_ATTRIBUTED),
        )
        channels = [
            ChannelRevenue(channel, provider, revenue)
            for (channel, provider, is_attributed), revenue in groups.items()
            if is_attributed and revenue is not None
        ]
        unattributed = sum(
            (
                revenue or Decimal(0)
                for (_, _, is_attributed), revenue in groups.items()
                if not is_attributed
            ),
            Decimal(0),
        )
        credited = sum((channel.attributed_revenue for channel in channels), Decimal(0))
        total = credited + unattributed
        return AttributionBreakdown(
            sorted(channels, key=lambda channel: -channel.attributed_revenue),
            unattributed,
            _share(credited, total),
        )

    def _by_campaign(
        self, metrics_by_provider_dimension: dict[str, tuple[str, ...]]
    ) -> dict[str, dict[str, Any]]:
        """The metrics per campaign, in one query or one per provider dimension (see
        `by_provider_filter`)."""
        metrics = (
            (dimension, metric)
            for dimension, names in metrics_by_provider_dimension.items()
            for metric in names
        )
        campaigns: dict[str, dict[str, Any]] = defaultdict(dict)
        for dimension, names in by_provider_filter(metrics, self._provider).items():
            for row in self._query(tuple(names), (_CAMPAIGN,), dimension):
                if row[_CAMPAIGN] is not None:
                    campaigns[row[_CAMPAIGN]].update(row)
        return campaigns

    def _query(
        self, metrics: tuple[str, ...], group_by: tuple[str, ...], provider_dimension: str | None
    ) -> list[dict[str, Any]]:
        filtered = (provider_dimension,) if self._provider and provider_dimension else ()
        return self._semantic_layer.query(
            self._warehouse,
            MetricQuery(metrics, group_by, filtered),
            workspace_id=self._workspace_id,
            start=self._period.start,
            end=self._period.end,
            filter_values=(self._provider,) if filtered else (),
        )


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part / whole).quantize(Decimal("0.0001")) if whole else None
