from __future__ import annotations

from fastapi import APIRouter, HTTPException

from api.campaigns import service
from api.campaigns.dependencies import CampaignsQuery
from api.campaigns.schemas import CampaignsOut, EntityOut
from api.kit.dependencies import Metrics, ServingWarehouse
from api.kit.errors import problem_response
from api.reporting.periods import DAY_RANGE
from api.workspaces.dependencies import WORKSPACE_PROBLEMS, CurrentWorkspace

router = APIRouter(
    prefix="/v1/workspaces/{workspace_id}/campaigns",
    tags=["campaigns"],
    responses=WORKSPACE_PROBLEMS,
)


@router.get(
    "",
    responses={
        422: problem_response(
            "An unknown level, sort, status or provider, a malformed or foreign cursor, a "
            f"malformed date or one not {DAY_RANGE}, or an invalid period."
        ),
        503: problem_response(
            "No analytics data has been published yet, or the identity provider's keys are "
            "unreachable."
        ),
    },
)
def list_campaigns(
    workspace: CurrentWorkspace,
    request: CampaignsQuery,
    semantic_layer: Metrics,
    warehouse: ServingWarehouse,
) -> CampaignsOut:
    """Campaigns, ad sets / ad groups or ads with their status and the period's spend, platform
    conversions and ROAS, and (campaigns) attributed revenue and ROAS, a page at a time.

    Every number is a semantic-layer metric grouped by the entity; names and statuses are the
    platforms'. Every entity the workspace's accounts ever listed or delivered is there, with
    null metrics when it had no delivery in the period.
    """
    try:
        page = service.list_campaigns(semantic_layer, warehouse, workspace.id, request)
    except service.InvalidCursor as exc:
        raise HTTPException(422, str(exc)) from exc
    return CampaignsOut(
        workspace_id=workspace.id,
        currency=workspace.currency,
        start=request.period.start,
        end=request.period.end,
        level=request.level,
        attribution_model=request.attribution_model,
        sort=request.sort,
        total=page.total,
        items=[
            EntityOut(
                id=entity.id,
                provider=entity.provider,
                level=entity.level,
                name=entity.name,
                status=entity.status,
                effective_status=entity.effective_status,
                campaign_id=entity.campaign_id,
                campaign_name=entity.campaign_name,
                ad_group_id=entity.ad_group_id,
                spend=entity.spend,
                platform_conversions=entity.platform_conversions,
                platform_roas=entity.platform_roas,
                attributed_revenue=entity.attributed_revenue,
                attributed_roas=entity.attributed_roas,
            )
            for entity in page.entities
        ],
        next_cursor=page.next_cursor,
    )
