from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, HTTPException

from api.kit.dependencies import Metrics, ServingWarehouse
from api.kit.errors import ProblemError, problem_response
from api.metrics import service
from api.metrics.dependencies import MetricsQuery
from api.metrics.schemas import (
    DimensionFilterOut,
    MetricOut,
    MetricsOut,
    MetricsProblem,
    MetricsRowOut,
    MetricValueOut,
)
from api.reporting.periods import DAY_RANGE
from api.workspaces.dependencies import WORKSPACE_PROBLEMS, CurrentWorkspace
from warehouse.semantic.compiler import UnknownDimension, UnknownMetric

router = APIRouter(
    prefix="/v1/workspaces/{workspace_id}/metrics", tags=["metrics"], responses=WORKSPACE_PROBLEMS
)


@router.get(
    "",
    responses={
        422: problem_response(
            "An unknown metric or dimension (the answer lists the allowed ones), a malformed "
            f"filter or date, a date not {DAY_RANGE}, or an invalid period.",
            MetricsProblem,
        ),
        503: problem_response(
            "No analytics data has been published yet, or the identity provider's keys are "
            "unreachable."
        ),
    },
)
def read_metrics(
    workspace: CurrentWorkspace,
    request: MetricsQuery,
    semantic_layer: Metrics,
    warehouse: ServingWarehouse,
) -> MetricsOut:
    """Any metric of the semantic layer for the period, by the dimensions it allows.

    Every number is the semantic layer's (`metrics[].formula` says how it is made), compiled
    once per shape; the workspace, the days and the filter values are bound, never written into
    the SQL. `date`s are the workspace's days.
    """
    try:
        result = service.query_metrics(semantic_layer, warehouse, workspace.id, request)
    except UnknownMetric as exc:
        detail = (
            f"Unknown metric(s): {', '.join(exc.unknown)}."
            if exc.unknown
            else "Name at least one metric."
        )
        raise ProblemError(422, detail, allowed_metrics=list(exc.allowed)) from exc
    except UnknownDimension as exc:
        raise ProblemError(
            422,
            f"These metrics cannot be grouped or filtered by: {', '.join(exc.unknown)}.",
            allowed_dimensions=list(exc.allowed),
        ) from exc
    except service.InvalidMetricsRequest as exc:
        raise HTTPException(422, str(exc)) from exc
    return MetricsOut(
        workspace_id=workspace.id,
        currency=workspace.currency,
        start=request.period.start,
        end=request.period.end,
        grain=request.grain,
        group_by=list(result.group_by),
        filters=[
            DimensionFilterOut(dimension=condition.dimension, value=condition.value)
            for condition in request.filters
        ],
        metrics=[
            MetricOut(
                name=definition.name,
                label=definition.label,
                description=definition.description,
                formula=definition.formula,
                unit=definition.unit,
            )
            for definition in result.definitions
        ],
        rows=[
            MetricsRowOut(
                date=row.day,
                dimensions=dict(row.dimensions),
                values={name: _as_json(value) for name, value in row.values.items()},
            )
            for row in result.rows
        ],
    )


def _as_json(value: service.MetricValue) -> MetricValueOut:
    # Exact amounts travel as strings: JSON numbers are floats to most clients.
    return str(value) if isinstance(value, Decimal) else value
