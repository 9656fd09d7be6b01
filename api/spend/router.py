from __future__ import annotations

from fastapi import APIRouter, HTTPException

from api.kit.dependencies import ServingWarehouse
from api.kit.errors import problem_response
from api.spend import service
from api.spend.dependencies import ReportPeriod
from api.spend.schemas import DailySpend, DaySpendOut
from api.workspaces.dependencies import WORKSPACE_PROBLEMS, CurrentWorkspace
from warehouse.serving import WarehouseUnavailable

router = APIRouter(
    prefix="/v1/workspaces/{workspace_id}/spend", tags=["spend"], responses=WORKSPACE_PROBLEMS
)


@router.get(
    "/daily",
    responses={
        422: problem_response(
            "A malformed date, `start` after `end`, or a period of more than "
            f"{service.MAX_DAYS} days."
        ),
        503: problem_response(
            "No analytics data has been published yet, or the identity provider's keys are "
            "unreachable."
        ),
    },
)
def daily_spend(
    workspace: CurrentWorkspace, period: ReportPeriod, warehouse: ServingWarehouse
) -> DailySpend:
    """Ad spend per day in the workspace's currency, every day of the period included, each with
    how much of it was loaded.

    `coverage` tells a day that is whole from one that is not: `complete` when every ad
    connection of the workspace loaded every 15-minute window of the day, `partial` when some
    windows are missing (today, the first day of a connection, or a failed load), `missing`
    when none was loaded, and then `spend` is null, never 0.00. Only a complete day's 0.00 means
    nothing was spent.
    """
    try:
        days = service.daily_spend(warehouse, workspace.id, period)
    except WarehouseUnavailable as exc:
        raise HTTPException(503, "No analytics data has been published yet.") from exc
    return DailySpend(
        workspace_id=workspace.id,
        currency=workspace.currency,
        days=[DaySpendOut(date=d.day, spend=d.spend, coverage=d.coverage) for d in days],
    )
