"""The dashboard's breakdowns: the top campaigns, the spend mix per provider and where the
attributed revenue came from."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from api.dashboard.kpis import ADS_PROVIDER, ATTRIBUTION_PROVIDER, by_provider_filter
from api.reporting.attribution import AttributionModel
from api.reporting.periods import Period
from warehouse.connection import WarehouseReader
from warehouse.semantic.compiler import MetricQuery, SemanticLayer

TOP_CAMPAIGNS = 10
_CAMPAIGN = "campaign"
_CHANNEL = "attributed_performance_day__channel"
_IS_ATTRIBUTED = "attributed_performance_day__is_attributed"
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
    """The breakdown queries of one workspace's period, bound once."""

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
        self._model = model
        self._provider = provider

    def top_campaigns(self) -> list[CampaignRow]:
        """The ten campaigns that spent most, with what the platform and the model credit."""
        attributed, attributed_roas = (
            self._model.metric("attributed_revenue"),
            self._model.metric("attributed_roas"),
        )
        by_campaign = self._by_campaign(
            {
                ADS_PROVIDER: ("spend", "platform_conversions", "platform_roas"),
                ATTRIBUTION_PROVIDER: (attributed, attributed_roas),
            }
        )
        entities = {
            row["campaign_id"]: row
            for row in self._warehouse.fetch_all(
                _CAMPAIGNS_SQL, {"workspace_id": self._workspace_id}
            )
        }
        # A campaign with credit but no delivery in the period has no spend to rank by.
        top = sorted(
            (row for row in by_campaign.values() if row.get("spend") is not None),
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
                    attributed_revenue=row.get(attributed),
                    attributed_roas=row.get(attributed_roas),
                )
            )
        return campaigns

    def spend_mix(self) -> list[ProviderSpend]:
        rows = self._query(("spend",), (ADS_PROVIDER,), ADS_PROVIDER)
        spend = {row[ADS_PROVIDER]: row["spend"] or Decimal(0) for row in rows}
        total = sum(spend.values(), Decimal(0))
        return [
            ProviderSpend(
                name, amount, (amount / total).quantize(Decimal("0.0001")) if total else None
            )
            for name, amount in sorted(spend.items())
        ]

    def attribution(self) -> AttributionBreakdown:
        """Attributed revenue per channel and provider; revenue no touchpoint explains; and
        the share of revenue with a touchpoint."""
        attributed = self._model.metric("attributed_revenue")
        rows = self._query((attributed,), (_CHANNEL, ATTRIBUTION_PROVIDER, _IS_ATTRIBUTED), None)
        channels = [
            ChannelRevenue(row[_CHANNEL], row[ATTRIBUTION_PROVIDER], row[attributed])
            for row in rows
            if row[_IS_ATTRIBUTED] and row[attributed] is not None
        ]
        unattributed = sum(
            (row[attributed] or Decimal(0) for row in rows if not row[_IS_ATTRIBUTED]), Decimal(0)
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
