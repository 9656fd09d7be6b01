"""The copilot's structured query: what a question asks, in the semantic layer's names.

Every question is understood into this one shape (by Claude through a tool whose input schema is
`tool_schema`, or by the deterministic parser), and only this shape is fetched: the model never
writes SQL, names a workspace or a table. Metric names are the semantic layer's, except that the
per-attribution-model metrics (`attributed_roas_linear`) are asked for by their measure
(`attributed_roas`) and `attribution_model`, as the merchant API does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.reporting.attribution import DEFAULT_ATTRIBUTION_MODEL, AttributionModel
from api.reporting.periods import Period, ReportRange, checked_period, resolve_range
from warehouse.semantic.compiler import MetricDefinition, SemanticLayer


class TimePreset(StrEnum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    LAST_7_DAYS = "last_7_days"
    LAST_WEEK = "last_week"
    LAST_30_DAYS = "last_30_days"
    THIS_MONTH = "this_month"
    MONTH_TO_DATE = "month_to_date"
    LAST_MONTH = "last_month"
    CUSTOM = "custom"


class Comparison(StrEnum):
    NONE = "none"
    PREVIOUS_PERIOD = "previous_period"
    SAME_PERIOD_LAST_YEAR = "same_period_last_year"


class Breakdown(StrEnum):
    PROVIDER = "provider"
    CAMPAIGN = "campaign"
    AD_SET = "ad_set"
    AD = "ad"
    DAY = "day"
    HOUR = "hour"


class Provider(StrEnum):
    META_ADS = "meta_ads"
    GOOGLE_ADS = "google_ads"


class CampaignStatus(StrEnum):
    """The campaign statuses of the semantic layer's `campaign__status` (dim_ad_entities'
    normalized_status: both platforms' statuses in one vocabulary)."""

    ACTIVE = "active"
    PAUSED = "paused"
    REMOVED = "removed"
    ARCHIVED = "archived"


class TimeRange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    preset: TimePreset = Field(
        description="Days in the workspace's timezone; `custom` takes `start` and `end`."
    )
    start: date | None = Field(None, description="First day of a custom range (ISO 8601).")
    end: date | None = Field(None, description="Last day of a custom range, included.")


class Filters(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: Provider | None = Field(None, description="Only this ad platform.")
    campaign: str | None = Field(
        None, description="Only campaigns whose name contains this text (case-insensitive)."
    )
    status: CampaignStatus | None = Field(
        None,
        description="Only campaigns with this status as last listed (Meta ACTIVE and Google "
        "ENABLED are `active`; DELETED and REMOVED are `removed`).",
    )


class OrderBy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str
    direction: Literal["asc", "desc"] = "desc"


class StructuredQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metrics: list[str] = Field(min_length=1, description="Metric names of the semantic layer.")
    time_range: TimeRange = TimeRange(preset=TimePreset.LAST_7_DAYS)
    compare_to: Comparison = Comparison.NONE
    group_by: list[Breakdown] = Field(default_factory=list)
    filters: Filters = Filters()
    order_by: OrderBy | None = None
    limit: int | None = Field(None, ge=1, le=100)
    attribution_model: AttributionModel = DEFAULT_ATTRIBUTION_MODEL


class Refusal(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str = Field(description="Why the question cannot be answered from the metrics.")


Intent = StructuredQuery | Refusal


@dataclass(frozen=True)
class Catalog:
    """The metrics a question may name, from the semantic manifest."""

    metrics: dict[str, MetricDefinition]
    # Measures asked for with an attribution model (`attributed_roas` → `attributed_roas_linear`).
    attributed: frozenset[str]

    @classmethod
    def of(cls, semantic_layer: SemanticLayer) -> Catalog:
        suffixes = tuple(f"_{model.value}" for model in AttributionModel)
        metrics: dict[str, MetricDefinition] = {}
        attributed: set[str] = set()
        for name, definition in semantic_layer.metrics.items():
            base = next((name.removesuffix(s) for s in suffixes if name.endswith(s)), None)
            if base is None:
                metrics[name] = definition
            elif base not in metrics:
                # The default model's definition stands for the measure in the schema.
                default = semantic_layer.metrics.get(DEFAULT_ATTRIBUTION_MODEL.metric(base))
                metrics[base] = default or definition
                attributed.add(base)
        return cls(metrics=dict(sorted(metrics.items())), attributed=frozenset(attributed))

    def semantic_name(self, metric: str, model: AttributionModel) -> str:
        return model.metric(metric) if metric in self.attributed else metric


class InvalidQuery(ValueError):
    pass


def checked(query: StructuredQuery, catalog: Catalog) -> StructuredQuery:
    """The query if every name is the catalog's; a model's tool input goes through here."""
    unknown = [name for name in query.metrics if name not in catalog.metrics]
    if query.order_by and query.order_by.metric not in catalog.metrics:
        unknown.append(query.order_by.metric)
    if unknown:
        raise InvalidQuery(f"unknown metric(s): {', '.join(unknown)}")
    if (query.time_range.preset is TimePreset.CUSTOM) != (
        query.time_range.start is not None and query.time_range.end is not None
    ):
        raise InvalidQuery("a custom time range needs `start` and `end`, and only it")
    return query


def tool_schema(catalog: Catalog) -> dict[str, Any]:
    """The structured query's JSON schema with the metric names as enums (strict tool input)."""
    schema = StructuredQuery.model_json_schema()
    names = list(catalog.metrics)
    schema["properties"]["metrics"]["items"] = {"type": "string", "enum": names}
    schema["$defs"]["OrderBy"]["properties"]["metric"] = {"type": "string", "enum": names}
    return _strict(schema)


def _strict(schema: Any) -> Any:
    # Strict tool use: every object closed, as the Anthropic docs require.
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            schema.setdefault("additionalProperties", False)
        return {key: _strict(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_strict(value) for value in schema]
    return schema


@dataclass(frozen=True)
class ResolvedPeriods:
    current: Period
    comparison: Period | None


def resolve_periods(query: StructuredQuery, today: date) -> ResolvedPeriods:
    """The query's days when it is `today` in the workspace's timezone. Raises InvalidPeriod."""
    time_range = query.time_range
    if time_range.preset is TimePreset.CUSTOM:
        assert time_range.start is not None and time_range.end is not None  # checked()
        current = checked_period(time_range.start, time_range.end)
    elif time_range.preset is TimePreset.LAST_WEEK:
        # Monday to Sunday of the week before this one (ISO weeks, as the platforms' pickers).
        monday = today - timedelta(days=today.weekday() + 7)
        current = Period(monday, monday + timedelta(days=6))
    elif time_range.preset is TimePreset.THIS_MONTH:
        current = resolve_range(ReportRange.MONTH_TO_DATE, today)
    else:
        current = resolve_range(ReportRange(time_range.preset.value), today)
    if query.compare_to is Comparison.PREVIOUS_PERIOD:
        comparison: Period | None = current.previous()
    elif query.compare_to is Comparison.SAME_PERIOD_LAST_YEAR:
        comparison = Period(_year_before(current.start), _year_before(current.end))
    else:
        comparison = None
    return ResolvedPeriods(current, comparison)


def _year_before(day: date) -> date:
    # 29 February has no twin: the 28th stands in.
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)
