"""`MetricsQuery`: the metrics route's query parameters as a service request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Query

from api.metrics.service import DimensionFilter, Grain, MetricsRequest
from api.reporting.dependencies import ReportPeriod

FILTER_SEPARATOR = ":"


def metrics_query(
    period: ReportPeriod,
    metrics: Annotated[
        list[str],
        Query(
            description="Metric names, comma-separated or repeated (`spend,platform_roas`); "
            "an unknown one gets a 422 listing every metric."
        ),
    ],
    group_by: Annotated[
        list[str],
        Query(
            description="Dimensions to group by, comma-separated or repeated "
            "(`ad_reporting_hour__provider`, `campaign`); the allowed ones depend on the "
            "metrics, and an unknown one gets a 422 listing them."
        ),
    ] = [],  # noqa: B006 (FastAPI copies a query default; it is never mutated)
    grain: Annotated[
        Grain | None,
        Query(description="One row per day, week (from Monday) or month; none: the period whole."),
    ] = None,
    filters: Annotated[
        list[str],
        Query(
            alias="filter",
            description="`dimension:value`, repeatable (one per dimension): rows whose dimension "
            "equals the value, compared as text (`ad_reporting_hour__provider:meta_ads`, "
            "`order__is_new_customer:true`).",
        ),
    ] = [],  # noqa: B006
) -> MetricsRequest:
    return MetricsRequest(
        metrics=_names(metrics),
        period=period.current,
        group_by=_names(group_by),
        grain=grain,
        filters=[_filter(condition) for condition in filters],
    )


MetricsQuery = Annotated[MetricsRequest, Depends(metrics_query)]


def _names(values: list[str]) -> list[str]:
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def _filter(condition: str) -> DimensionFilter:
    dimension, separator, value = condition.partition(FILTER_SEPARATOR)
    if not separator or not dimension.strip():
        raise HTTPException(422, f"a filter is `dimension:value`, not {condition!r}")
    return DimensionFilter(dimension.strip(), value)
