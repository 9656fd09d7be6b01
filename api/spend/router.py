from __future__ import annotations

from fastapi import APIRouter, HTTPException

from api.kit.dependencies import ServingWarehouse
from api.spend import service
from api.spend.dependencies import ReportPeriod
from api.spend.schemas import DailySpend, DaySpendOut
from api.workspaces.dependencies import CurrentWorkspace
from warehouse.serving import WarehouseUnavailable

router = APIRouter(prefix="/v1/workspaces/{workspace_id}/spend", tags=["spend"])


@router.get("/daily")
def daily_spend(
    workspace: CurrentWorkspace, period: ReportPeriod, warehouse: ServingWarehouse
) -> DailySpend:
    """Ad spend per day in the workspace's currency, every day of the period included."""
    try:
        days = service.daily_spend(warehouse, workspace.id, period)
    except WarehouseUnavailable as exc:
        raise HTTPException(503, "No analytics data has been published yet.") from exc
    return DailySpend(
        workspace_id=workspace.id,
        currency=workspace.currency,
        days=[DaySpendOut(date=d.day, spend=d.spend) for d in days],
    )
