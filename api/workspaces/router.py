from __future__ import annotations

from fastapi import APIRouter

from api.auth.dependencies import AUTH_PROBLEMS, CurrentUser
from api.kit.dependencies import AppDbSession
from api.workspaces.schemas import WorkspaceList, WorkspaceOut
from api.workspaces.service import member_workspaces

router = APIRouter(prefix="/v1/workspaces", tags=["workspaces"], responses=AUTH_PROBLEMS)


@router.get("")
def list_workspaces(user: CurrentUser, session: AppDbSession) -> WorkspaceList:
    """The workspaces the caller is a member of."""
    workspaces = member_workspaces(session, user.id)
    return WorkspaceList(workspaces=[WorkspaceOut.model_validate(w) for w in workspaces])
