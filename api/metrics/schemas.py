from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from api.kit.errors import Problem
from api.metrics.service import Grain

# Money arrives as its decimal string: a Decimal in a union with numbers would be validated as
# whichever member pydantic finds first.
MetricValueOut = str | int | float | None


class MetricOut(BaseModel):
    name: str
    label: str
    description: str
    formula: str = Field(description="The definition as the semantic layer states it.")
    unit: Literal["money", "ratio", "quantity"] = Field(
        description="`money`: the workspace currency, a decimal string to the cent; `ratio`: a "
        "number (ROAS, CTR, AOV, CPA); `quantity`: a number (orders, clicks, conversions)."
    )


class DimensionFilterOut(BaseModel):
    dimension: str
    value: str


class MetricsRowOut(BaseModel):
    date: dt.date | None = Field(
        description="First day of the row's day, week (Monday) or month in the workspace's "
        "timezone; null without `grain`."
    )
    # A time dimension (`metric_snapshot__captured_at__minute`) is a timestamp: without
    # `dt.datetime` here such a group-by answered 500.
    dimensions: dict[str, str | bool | int | float | dt.datetime | None] = Field(
        description="The row's value of each `group_by` dimension (a time dimension's as an "
        "ISO 8601 timestamp); null for what has none (e.g. the shop's own channels under "
        "`campaign`)."
    )
    values: dict[str, MetricValueOut] = Field(
        description="Each metric by name: money as a decimal string in the workspace currency, "
        "ratios and quantities as numbers; null when the group has nothing to sum or a ratio's "
        "denominator is zero."
    )


class MetricsOut(BaseModel):
    workspace_id: str
    currency: str = Field(description="The workspace currency every money value is in.")
    start: dt.date
    end: dt.date
    grain: Grain | None
    group_by: list[str]
    filters: list[DimensionFilterOut]
    metrics: list[MetricOut] = Field(description="The metrics asked for, in that order.")
    rows: list[MetricsRowOut] = Field(description="One per group, by date then dimensions.")


class MetricsProblem(Problem):
    allowed_metrics: list[str] | None = Field(
        None, description="With an unknown metric: every metric of the semantic layer."
    )
    allowed_dimensions: list[str] | None = Field(
        None,
        description="With an unknown dimension: what these metrics can be grouped and filtered by.",
    )
