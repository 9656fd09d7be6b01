"""The dashboard's KPIs: which semantic-layer metric each one is, and how they are fetched.

Shop metrics (net revenue, orders, AOV, new customers) and the blended ones (MER, new-customer
CAC) are the whole shop's; the ad metrics narrow to one provider when the request names one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from api.reporting.attribution import AttributionModel
from api.reporting.periods import Period
from warehouse.connection import WarehouseReader
from warehouse.semantic.compiler import MetricQuery, SemanticLayer

# The provider dimension of each ad semantic model (meta_ads, google_ads).
ADS_PROVIDER = "ad_reporting_hour__provider"
ATTRIBUTION_PROVIDER = "attributed_performance_day__provider"


class Scope(StrEnum):
    SHOP = "shop"
    ADS = "ads"
    ATTRIBUTION = "attribution"


class Kind(StrEnum):
    MONEY = "money"
    RATIO = "ratio"
    COUNT = "count"  # whole: orders, customers
    QUANTITY = "quantity"  # may be fractional: the platforms' conversions


@dataclass(frozen=True)
class Kpi:
    key: str
    metric: str  # the semantic-layer metric; `{model}` is the attribution model
    scope: Scope
    kind: Kind

    def metric_for(self, model: AttributionModel) -> str:
        return self.metric.format(model=model.value)


KPIS = (
    Kpi("net_revenue", "revenue", Scope.SHOP, Kind.MONEY),
    Kpi("spend", "spend", Scope.ADS, Kind.MONEY),
    Kpi("platform_roas", "platform_roas", Scope.ADS, Kind.RATIO),
    Kpi("mer", "mer", Scope.SHOP, Kind.RATIO),
    Kpi("attributed_roas", "attributed_roas_{model}", Scope.ATTRIBUTION, Kind.RATIO),
    Kpi("attributed_cpa", "attributed_cpa_{model}", Scope.ATTRIBUTION, Kind.MONEY),
    Kpi("platform_conversions", "platform_conversions", Scope.ADS, Kind.QUANTITY),
    Kpi("orders", "orders", Scope.SHOP, Kind.COUNT),
    Kpi("aov", "average_order_value", Scope.SHOP, Kind.MONEY),
    Kpi("new_customers", "new_customers", Scope.SHOP, Kind.COUNT),
    Kpi("new_customer_cac", "new_customer_cac", Scope.SHOP, Kind.MONEY),
)
_PROVIDER_DIMENSION = {Scope.ADS: ADS_PROVIDER, Scope.ATTRIBUTION: ATTRIBUTION_PROVIDER}


@dataclass(frozen=True)
class KpiGroup:
    """The KPIs fetched in one query: their metrics by KPI key, and the query."""

    metrics: dict[str, str]
    query: MetricQuery


_Item = TypeVar("_Item")


def by_provider_filter(
    items: Iterable[tuple[str | None, _Item]], provider: str | None
) -> dict[str | None, list[_Item]]:
    """`(provider dimension, item)` pairs grouped by the dimension their query filters on: all in
    one group without a provider (None: no filter), else one per dimension, as a filter applies
    to every metric of a query and each scope names the provider its own way."""
    groups: dict[str | None, list[_Item]] = defaultdict(list)
    for dimension, item in items:
        groups[dimension if provider else None].append(item)
    return groups


def kpi_groups(model: AttributionModel, provider: str | None) -> list[KpiGroup]:
    """The queries of the KPIs: one for all of them, or with a provider one per dimension the
    provider filters on."""
    groups = by_provider_filter(
        ((_PROVIDER_DIMENSION.get(kpi.scope), kpi) for kpi in KPIS), provider
    )
    queries = []
    for dimension, kpis in groups.items():
        metrics = {kpi.key: kpi.metric_for(model) for kpi in kpis}
        filtered = (dimension,) if dimension else ()
        queries.append(KpiGroup(metrics, MetricQuery(tuple(metrics.values()), (), filtered)))
    return queries


def group_values(
    semantic_layer: SemanticLayer,
    warehouse: WarehouseReader,
    workspace_id: str,
    period: Period,
    group: KpiGroup,
    provider: str | None,
) -> dict[str, Any]:
    """Each KPI of the group's value over the period, by KPI key (None when there is nothing
    to compute it from, such as a ratio over zero spend)."""
    rows = semantic_layer.query(
        warehouse,
        group.query,
        workspace_id=workspace_id,
        start=period.start,
        end=period.end,
        filter_values=(provider,) if group.query.filtered_dimensions else (),
    )
    # No group-by: one row, or none when the model has no row for the workspace and days.
    row = rows[0] if rows else {}
    return {key: row.get(metric) for key, metric in group.metrics.items()}


def delta_pct(value: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """The change from `previous` in percent; None when there is no previous to compare."""
    if value is None or not previous:
        return None
    return ((value - previous) / abs(previous) * 100).quantize(Decimal("0.1"))
