"""Any semantic-layer metric of one workspace over a period, by the dimensions its metrics share.

`query_metrics` is the one entry point: the metrics route calls it, and so will the copilot.
Metric and dimension names are checked against the semantic manifest, and every value of the
request (workspace, days, filter values) is bound by the compiler, never written into SQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from api.reporting.money import to_cents
from api.reporting.periods import Period
from warehouse.connection import WarehouseReader
from warehouse.semantic.compiler import (
    METRIC_TIME,
    MetricDefinition,
    MetricQuery,
    SemanticLayer,
    UnknownDimension,
    as_day,
)

MetricValue = Decimal | float | int | None


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"

    @property
    def dimension(self) -> str:
        return f"{METRIC_TIME}__{self.value}"


class InvalidMetricsRequest(ValueError):
    pass


@dataclass(frozen=True)
class DimensionFilter:
    """Rows whose `dimension` equals `value` (compared as text: `true`, `meta_ads`)."""

    dimension: str
    value: str


@dataclass(frozen=True)
class MetricsRequest:
    metrics: Sequence[str]
    period: Period
    group_by: Sequence[str] = ()
    grain: Grain | None = None
    filters: Sequence[DimensionFilter] = ()


@dataclass(frozen=True)
class MetricsRow:
    # First day of the row's day, week (Monday) or month; None without a grain.
    day: date | None
    dimensions: Mapping[str, Any]
    # Money as Decimal to the cent, ratios as float, quantities as int when whole (else float);
    # None when the metric has nothing to sum in the group (or a ratio's denominator is zero).
    values: Mapping[str, MetricValue]


@dataclass(frozen=True)
class MetricsResult:
    definitions: list[MetricDefinition]
    group_by: tuple[str, ...]
    rows: list[MetricsRow] = field(default_factory=list)


def allowed_dimensions(semantic_layer: SemanticLayer, metrics: Sequence[str]) -> list[str]:
    """What `metrics` can be grouped and filtered by. Time is the grain's: metric time at one
    grain, never a group-by of its own. Raises UnknownMetric."""
    return [
        name
        for name in semantic_layer.dimensions(metrics)
        if not name.startswith(f"{METRIC_TIME}__")
    ]


def query_metrics(
    semantic_layer: SemanticLayer,
    warehouse: WarehouseReader,
    workspace_id: str,
    request: MetricsRequest,
) -> MetricsResult:
    """The metrics of one workspace over the request's days, one row per group (and grain
    period). Raises UnknownMetric, UnknownDimension (both with `.allowed`) and
    InvalidMetricsRequest."""
    metrics = tuple(dict.fromkeys(request.metrics))
    group_by = tuple(dict.fromkeys(request.group_by))
    allowed = allowed_dimensions(semantic_layer, metrics)
    filtered = tuple(condition.dimension for condition in request.filters)
    unknown = [name for name in (*group_by, *filtered) if name not in allowed]
    if unknown:
        raise UnknownDimension(list(dict.fromkeys(unknown)), allowed)
    if len(set(filtered)) != len(filtered):
        raise InvalidMetricsRequest("filter each dimension at most once")
    time = (request.grain.dimension,) if request.grain else ()
    rows = semantic_layer.query(
        warehouse,
        MetricQuery(metrics, (*group_by, *time), filtered),
        workspace_id=workspace_id,
        start=request.period.start,
        end=request.period.end,
        filter_values=[condition.value for condition in request.filters],
    )
    definitions = [semantic_layer.metrics[name] for name in metrics]
    result = [
        MetricsRow(
            day=as_day(row[time[0]]) if time else None,
            dimensions={name: row[name] for name in group_by},
            values={
                definition.name: _value(definition, row[definition.name])
                for definition in definitions
            },
        )
        for row in rows
    ]
    result.sort(key=lambda row: (row.day or date.min, *map(_sort_key, row.dimensions.values())))
    return MetricsResult(definitions=definitions, group_by=group_by, rows=result)


def _value(definition: MetricDefinition, value: Any) -> MetricValue:
    if value is None:
        return None
    if definition.unit == "money":
        return to_cents(value)
    if definition.unit == "quantity" and isinstance(value, int | Decimal) and value % 1 == 0:
        # A count reads the same on both backends: PostgreSQL sums bigints into numerics.
        return int(value)
    return float(value)


def _sort_key(value: Any) -> tuple[bool, str]:
    # Groups without the dimension (null) last.
    return (value is None, str(value))
