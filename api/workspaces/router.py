from __future__ import annotations

from fastapi import APIRouter

from api.auth.dependencies import AUTH_PROBLEMS, CurrentUser
from api.kit.dependencies import AppDbSession
from api.kit.errors import BODY_PROBLEMS
from api.workspaces.dependencies import WORKSPACE_PROBLEMS, CurrentWorkspace, ManagedWorkspace
from api.workspaces.schemas import WorkspaceCreate, WorkspaceList, WorkspaceOut, WorkspaceUpdate
from api.workspaces.service import member_workspaces, update_workspace
from warehouse.appdb.accounts import create_workspace

router = APIRouter(prefix="/v1/workspaces", tags=["workspaces"], responses=AUTH_PROBLEMS)


@router.get("")
def list_workspaces(user: CurrentUser, session: AppDbSession) -> WorkspaceList:
    """The workspaces the caller is a member of."""
    workspaces = member_workspaces(session, user.id)
    return WorkspaceList(workspaces=[WorkspaceOut.model_validate(w) for w in workspaces])


@router.post("", status_code=201, responses=BODY_PROBLEMS)
def create(body: WorkspaceCreate, user: CurrentUser, session: AppDbSession) -> WorkspaceOut:
    """A new workspace, the caller its owner."""
    workspace = create_workspace(session, user, body.name, body.currency, body.timezone)
    session.commit()
    return WorkspaceOut.model_validate(workspace)


@router.get("/{workspace_id}", responses=WORKSPACE_PROBLEMS)
def get_workspace(workspace: CurrentWorkspace) -> WorkspaceOut:
    return WorkspaceOut.model_validate(workspace)


@router.patch("/{workspace_id}", responses={**WORKSPACE_PROBLEMS, **BODY_PROBLEMS})
def update(
    body: WorkspaceUpdate, workspace: ManagedWorkspace, session: AppDbSession
) -> WorkspaceOut:
    """Rename the workspace, or set its currency or timezone (owners and admins). The API
    records the change; the pipeline's next warehouse run (`build_warehouse`, scheduled, or
    launched from the Dagster UI) copies it to the warehouse and rebuilds every mart row of
    this workspace in the new currency and days, so the dashboard follows after that run."""
    update_workspace(
        session, workspace, name=body.name, currency=body.currency, timezone=body.timezone
    )
    session.commit()
    return WorkspaceOut.model_validate(workspace)
