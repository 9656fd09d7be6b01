"""Fetch: a structured query run through the merchant API's metrics service (and so through the
semantic-layer compiler, which adds the workspace predicate and binds every value).

The copilot's breakdowns and filters are resolved to the semantic layer's dimensions of the
metrics asked for (`provider` → `ad_reporting_hour__provider` for spend,
`attributed_performance_day__provider` for attributed ROAS); nothing here knows a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from api.copilot.query import Breakdown, Catalog, ResolvedPeriods, StructuredQuery
from api.metrics.service import (
    DimensionFilter,
    Grain,
    MetricsRequest,
    MetricsResult,
    MetricValue,
    allowed_dimensions,
    query_metrics,
)
from api.reporting.periods import Period
from warehouse.connection import WarehouseReader
from warehouse.semantic.compiler import MetricDefinition, SemanticLayer

# The semantic layer's dimension each breakdown reads, by the name's last part.
BREAKDOWN_DIMENSIONS = {
    Breakdown.PROVIDER: "provider",
    Breakdown.CAMPAIGN: "campaign_name",
    Breakdown.AD_SET: "ad_group_name",
    Breakdown.AD: "ad_name",
    Breakdown.HOUR: "workspace_hour_of_day",
}
# The campaign's status, joined from the campaigns semantic model by the campaign entity.
STATUS_DIMENSION = "status"


class CannotBreakDown(ValueError):
    """The metrics share no dimension for a breakdown or filter (the shop's revenue has no
    campaign)."""


@dataclass(frozen=True)
class Row:
    day: date | None
    dimensions: dict[str, Any]  # by breakdown name (`campaign`, `provider`)
    values: dict[str, MetricValue]  # by the query's metric names
    previous: dict[str, MetricValue] | None = None  # the comparison period's, when asked


@dataclass(frozen=True)
class Fetched:
    query: StructuredQuery
    periods: ResolvedPeriods
    # The query's metric names → the semantic layer's definitions (per attribution model).
    definitions: dict[str, MetricDefinition]
    rows: list[Row]


def fetch(
    semantic_layer: SemanticLayer,
    warehouse: WarehouseReader,
    catalog: Catalog,
    workspace_id: str,
    query: StructuredQuery,
    periods: ResolvedPeriods,
) -> Fetched:
    """Raises CannotBreakDown, UnknownMetric and UnknownDimension."""
    names = {
        metric: catalog.semantic_name(metric, query.attribution_model) for metric in query.metrics
    }
    allowed = allowed_dimensions(semantic_layer, list(names.values()))
    group_by: dict[str, Breakdown] = {}
    for breakdown in query.group_by:
        if breakdown is not Breakdown.DAY:
            group_by[_dimension(allowed, breakdown, query)] = breakdown
    filters = []
    if query.filters.provider:
        dimension = _dimension(allowed, Breakdown.PROVIDER, query)
        filters.append(DimensionFilter(dimension, query.filters.provider.value))
    if query.filters.status:
        dimension = _named(allowed, STATUS_DIMENSION, "campaign status", query)
        filters.append(DimensionFilter(dimension, query.filters.status.value))
    campaign_dimension = None
    if query.filters.campaign:
        # A name match is no equality filter: group by the campaign and keep the matches (each
        # its own row, so no metric is ever summed here).
        campaign_dimension = _dimension(allowed, Breakdown.CAMPAIGN, query)
        group_by.setdefault(campaign_dimension, Breakdown.CAMPAIGN)
    grain = Grain.DAY if Breakdown.DAY in query.group_by else None

    def run(period: Period) -> MetricsResult:
        request = MetricsRequest(
            metrics=list(names.values()),
            period=period,
            group_by=list(group_by),
            grain=grain,
            filters=filters,
        )
        return query_metrics(semantic_layer, warehouse, workspace_id, request)

    def rows_of(result: MetricsResult) -> list[Row]:
        rows = [
            Row(
                day=row.day,
                dimensions={group_by[name]: value for name, value in row.dimensions.items()},
                values={metric: row.values[name] for metric, name in names.items()},
            )
            for row in result.rows
        ]
        if query.filters.campaign:
            text = query.filters.campaign.lower()
            rows = [
                row
                for row in rows
                if text in str(row.dimensions.get(Breakdown.CAMPAIGN) or "").lower()
            ]
        return rows

    current = run(periods.current)
    rows = rows_of(current)
    if periods.comparison is not None:
        before = {
            _key(row, periods.comparison, periods.current): row.values
            for row in rows_of(run(periods.comparison))
        }
        rows = [
            Row(row.day, row.dimensions, row.values, before.get(_key(row, None, None), {}))
            for row in rows
        ]
    if query.order_by is not None:
        metric = query.order_by.metric if query.order_by.metric in names else query.metrics[0]
        present = [row for row in rows if row.values.get(metric) is not None]
        missing = [row for row in rows if row.values.get(metric) is None]
        present.sort(
            key=lambda row: Decimal(str(row.values[metric])),
            reverse=query.order_by.direction == "desc",
        )
        rows = present + missing
    if query.limit is not None:
        rows = rows[: query.limit]
    definitions = {metric: semantic_layer.metrics[name] for metric, name in names.items()}
    return Fetched(query=query, periods=periods, definitions=definitions, rows=rows)


def _dimension(allowed: list[str], breakdown: Breakdown, query: StructuredQuery) -> str:
    return _named(allowed, BREAKDOWN_DIMENSIONS[breakdown], breakdown.value, query)


def _named(allowed: list[str], dimension: str, what: str, query: StructuredQuery) -> str:
    suffix = f"__{dimension}"
    for name in allowed:
        if name.endswith(suffix):
            return name
    raise CannotBreakDown(f"{', '.join(query.metrics)} cannot be broken down or filtered by {what}")


def _key(row: Row, shifted_from: Period | None, to: Period | None) -> tuple[Any, ...]:
    # A comparison row's day moved onto the current period's, so day rows pair up.
    day = row.day
    if day is not None and shifted_from is not None and to is not None:
        day = to.start + (day - shifted_from.start)
    return (day, *sorted((str(k), str(v)) for k, v in row.dimensions.items()))
