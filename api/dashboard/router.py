from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.dashboard import service
from api.dashboard.schemas import Dashboard
from api.freshness.dependencies import Now
from api.freshness.service import freshness, window_floor
from api.kit.cached_response import CachedResponse
from api.kit.dependencies import AppDbSession, Metrics, ServingWarehouse
from api.kit.errors import problem_response
from api.kit.etag import NOT_MODIFIED
from api.reporting.attribution import (
    ATTRIBUTION_MODEL_DESCRIPTION,
    DEFAULT_ATTRIBUTION_MODEL,
    AttributionModel,
)
from api.reporting.dependencies import ReportPeriods
from api.reporting.periods import DAY_RANGE, MAX_DAYS
from api.reporting.providers import AdProvider
from api.workspaces.dependencies import WORKSPACE_PROBLEMS, CurrentWorkspace
from api.workspaces.service import connection_states
from warehouse.appdb.models import Provider

router = APIRouter(
    prefix="/v1/workspaces/{workspace_id}", tags=["dashboard"], responses=WORKSPACE_PROBLEMS
)


@router.get(
    "/dashboard",
    response_model=Dashboard,
    responses=NOT_MODIFIED
    | {
        422: problem_response(
            f"An unknown range, model or provider, a malformed date or one not {DAY_RANGE}, a "
            f"custom range without both ends or of more than {MAX_DAYS} days, or `from`/`to` "
            "with a preset range."
        ),
        503: problem_response(
            "No analytics data has been published yet, or the identity provider's keys are "
            "unreachable."
        ),
    },
)
def dashboard(
    workspace: CurrentWorkspace,
    periods: ReportPeriods,
    session: AppDbSession,
    warehouse: ServingWarehouse,
    semantic_layer: Metrics,
    cached: CachedResponse,
    now: Now,
    attribution_model: Annotated[
        AttributionModel, Query(description=ATTRIBUTION_MODEL_DESCRIPTION)
    ] = DEFAULT_ATTRIBUTION_MODEL,
    provider: Annotated[
        AdProvider | None,
        Query(
            description="Narrow the ad figures (spend, platform and attributed metrics, chart, "
            "campaigns, spend mix) to one platform; shop figures, MER and new-customer CAC "
            "stay the whole shop's."
        ),
    ] = None,
) -> Response:
    """Everything a merchant's dashboard shows, in one call: KPIs against the previous period,
    the chart (15-minute points for a single day, daily otherwise), the top campaigns, the
    spend mix, where attributed revenue came from, and how fresh each source is.

    Every figure is a metric of the semantic layer, computed on the workspace's own days in
    its currency; `meta.definitions` states each KPI's formula as the semantic layer does.

    The answer carries an `ETag` (`If-None-Match` → 304). It is kept until the pipeline
    publishes new data, the next 15-minute window closes, or a connection changes.
    """
    # Everything the answer depends on besides the published marts, so it can be kept: the
    # closed windows (today's chart and the freshness count to the last boundary) and the
    # connections (which sections show, their status in `meta.freshness`).
    as_of = window_floor(now)
    connections = connection_states(session, workspace.id)
    request = service.DashboardRequest(
        workspace_id=workspace.id,
        currency=workspace.currency,
        timezone=workspace.timezone,
        periods=periods,
        attribution_model=attribution_model,
        provider=provider.value if provider else None,
        shop_connected=any(kind == Provider.SHOPIFY for _, kind, _ in connections),
        now=as_of,
    )
    return cached.respond(
        {
            "range": periods.report_range,
            "start": periods.current.start,
            "end": periods.current.end,
            "previous": [periods.previous.start, periods.previous.end]
            if periods.previous
            else None,
            "attribution_model": attribution_model,
            "provider": request.provider,
            "currency": workspace.currency,
            "timezone": workspace.timezone,
            "as_of": as_of,
            "connections": [f"{id_}:{kind}:{status}" for id_, kind, status in connections],
        },
        lambda: service.build_dashboard(
            semantic_layer,
            warehouse,
            request,
            lambda: freshness(warehouse, workspace.id, as_of, app_db=session),
        ),
    )
