from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.kit.cached_response import CachedResponse
from api.kit.dependencies import Metrics, ServingWarehouse
from api.kit.errors import problem_response
from api.kit.etag import NOT_MODIFIED
from api.reporting.periods import DAY_RANGE, MAX_DAYS
from api.spend import service
from api.spend.dependencies import ReportPeriod
from api.spend.schemas import DailySpend, DaySpendOut
from api.workspaces.dependencies import WORKSPACE_PROBLEMS, CurrentWorkspace

router = APIRouter(
    prefix="/v1/workspaces/{workspace_id}/spend", tags=["spend"], responses=WORKSPACE_PROBLEMS
)


@router.get(
    "/daily",
    response_model=DailySpend,
    responses=NOT_MODIFIED
    | {
        422: problem_response(
            f"A malformed date or one not {DAY_RANGE}, `start` after `end`, or a period of more "
            f"than {MAX_DAYS} days."
        ),
        503: problem_response(
            "No analytics data has been published yet, or the identity provider's keys are "
            "unreachable."
        ),
    },
)
def daily_spend(
    workspace: CurrentWorkspace,
    period: ReportPeriod,
    warehouse: ServingWarehouse,
    semantic_layer: Metrics,
    cached: CachedResponse,
) -> Response:
    """Ad spend per day in the workspace's currency, every day of the period included, each with
    how much of it was loaded.

    `coverage` tells a day that is whole from one that is not: `complete` when every ad
    connection of the workspace loaded every 15-minute window of the day, `partial` when some
    windows are missing (today, the first day of a connection, or a failed load), `missing`
    when none was loaded, and then `spend` is null, never 0.00. Only a complete day's 0.00 means
    nothing was spent.

    The answer carries an `ETag`; send it back in `If-None-Match` to get `304 Not Modified`
    while the data has not changed (it changes when the pipeline publishes a build, at most
    every 15 minutes).
    """

    def answer() -> DailySpend:
        days = service.daily_spend(semantic_layer, warehouse, workspace.id, period)
        return DailySpend(
            workspace_id=workspace.id,
            currency=workspace.currency,
            days=[DaySpendOut(date=d.day, spend=d.spend, coverage=d.coverage) for d in days],
        )

    # The currency is the app's setting, shown beside the marts' figures.
    return cached.respond(
        {"start": period.start, "end": period.end, "currency": workspace.currency}, answer
    )
