from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.freshness import service
from api.freshness.dependencies import Now
from api.freshness.schemas import Freshness, SourceFreshnessOut
from api.kit.dependencies import AppDbSession, ServingWarehouse
from api.kit.etag import NOT_MODIFIED, ETagged
from api.workspaces.dependencies import WORKSPACE_PROBLEMS, CurrentWorkspace

router = APIRouter(prefix="/v1/workspaces/{workspace_id}", tags=["freshness"])


@router.get("/freshness", response_model=Freshness, responses=NOT_MODIFIED | WORKSPACE_PROBLEMS)
def workspace_freshness(
    workspace: CurrentWorkspace,
    warehouse: ServingWarehouse,
    session: AppDbSession,
    now: Now,
    etagged: ETagged,
) -> Response:
    """How recent the workspace's data is: per connection and source, the newest 15-minute
    window landed, how many windows behind it is, and `stale` when it is too far behind, never
    landed, or the connection is in error.

    The answer carries an `ETag` (304 with `If-None-Match`); it changes with the 15-minute
    boundary, a publication of new data, or a connection's status.
    """
    # Not kept in the response cache: the connections' status is the app database's, which a
    # publication does not version.
    report = service.freshness(warehouse, workspace.id, now, app_db=session)
    return etagged.respond(
        Freshness(
            workspace_id=workspace.id,
            as_of=report.as_of,
            stale_after_windows=service.STALE_AFTER_WINDOWS,
            stale=report.stale,
            sources=[SourceFreshnessOut.of(source) for source in report.sources],
        )
    )
