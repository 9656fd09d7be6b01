from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from api.dashboard import service
from api.dashboard.schemas import Dashboard
from api.kit.dependencies import AppDbSession, Metrics, ServingWarehouse
from api.kit.errors import problem_response
from api.reporting.attribution import DEFAULT_ATTRIBUTION_MODEL, AttributionModel
from api.reporting.dependencies import ReportPeriods
from api.reporting.periods import MAX_DAYS
from api.reporting.providers import AdProvider
from api.workspaces.dependencies import WORKSPACE_PROBLEMS, CurrentWorkspace
from api.workspaces.service import connected_providers
from warehouse.appdb.models import Provider
from warehouse.serving import WarehouseUnavailable

router = APIRouter(
    prefix="/v1/workspaces/{workspace_id}", tags=["dashboard"], responses=WORKSPACE_PROBLEMS
)


@router.get(
    "/dashboard",
    responses={
        422: problem_response(
            "An unknown range, model or provider, a malformed date, a custom range without "
            f"both ends or of more than {MAX_DAYS} days, or `from`/`to` with a preset range."
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
    attribution_model: Annotated[
        AttributionModel,
        Query(
            description="How orders are credited to campaigns and channels. Default: last "
            "non-direct click, as Shopify's marketing reports credit them."
        ),
    ] = DEFAULT_ATTRIBUTION_MODEL,
    provider: Annotated[
        AdProvider | None,
        Query(
            description="Narrow the ad figures (spend, platform and attributed metrics, chart, "
            "campaigns, spend mix) to one platform; shop figures, MER and new-customer CAC "
            "stay the whole shop's."
        ),
    ] = None,
) -> Dashboard:
    """Everything a merchant's dashboard shows, in one call: KPIs against the previous period,
    the chart (15-minute points for a single day, daily otherwise), the top campaigns, the
    spend mix, where attributed revenue came from, and how fresh each source is.

    Every figure is a metric of the semantic layer, computed on the workspace's own days in
    its currency; `meta.definitions` states each KPI's formula as the semantic layer does.
    """
    request = service.DashboardRequest(
        workspace_id=workspace.id,
        currency=workspace.currency,
        timezone=workspace.timezone,
        periods=periods,
        attribution_model=attribution_model,
        provider=provider.value if provider else None,
        shop_connected=Provider.SHOPIFY in connected_providers(session, workspace.id),
        now=datetime.now(UTC),
    )
    try:
        return service.build_dashboard(semantic_layer, warehouse, request, freshness=[])
    except WarehouseUnavailable as exc:
        raise HTTPException(503, "No analytics data has been published yet.") from exc
