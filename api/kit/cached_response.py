"""`CachedResponse`: a reporting route's answer kept until the pipeline publishes new marts,
with an ETag and `304 Not Modified` (api/kit/response_cache.py, api/kit/etag.py).

A route opts in with one dependency and one call; the workspace (as `CurrentWorkspace`, declared
first, resolved it: `workspace_of`) and the route come from the request, so an answer cannot be
served to another workspace or another route by mistake:

    @router.get("/daily", response_model=DailySpend, responses=NOT_MODIFIED | WORKSPACE_PROBLEMS)
    def daily_spend(workspace: CurrentWorkspace, period: ReportPeriod,
                    warehouse: ServingWarehouse, cached: CachedResponse) -> Response:
        return cached.respond(
            {"start": period.start, "end": period.end, "currency": workspace.currency},
            lambda: DailySpend(...),  # called only when no answer is kept
        )

`query` is everything besides the published marts the answer depends on: the route's
parameters as resolved (a default "today" resolved to its date, not left out), and any app
setting the answer shows (the currency above). The answer must not depend on anything else (the
clock, the app database's state): such an answer belongs behind `ETagged` (api/kit/etag.py)
alone. `response_model` keeps the OpenAPI document true, since the route returns a `Response`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from api.kit.dependencies import resources_of
from api.kit.etag import IF_NONE_MATCH_DESCRIPTION
from api.kit.response_cache import CachedResponder
from api.workspaces.dependencies import workspace_of


async def cached_responder(
    request: Request,
    if_none_match: Annotated[str | None, Header(description=IF_NONE_MATCH_DESCRIPTION)] = None,
) -> CachedResponder:
    resources = resources_of(request)
    # The route's path template, e.g. /v1/workspaces/{workspace_id}/spend/daily.
    route: str = request.scope["route"].path
    return CachedResponder(
        resources.response_cache,
        resources.warehouse,
        workspace_of(request).id,
        route,
        if_none_match,
    )


CachedResponse = Annotated[CachedResponder, Depends(cached_responder)]
