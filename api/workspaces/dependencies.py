"""`CurrentWorkspace`: the `{workspace_id}` of the path, once the caller is known to be a member."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException

from api.auth.dependencies import AUTH_PROBLEMS, CurrentUser
from api.kit.dependencies import AppDbSession
from api.kit.errors import problem_response
from api.workspaces.service import member_workspace
from warehouse.appdb.models import Workspace

# What `CurrentWorkspace` may answer instead of the route: for the `responses=` of its routers.
WORKSPACE_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **AUTH_PROBLEMS,
    404: problem_response("No such workspace, or the caller is not a member of it."),
}


def current_workspace(workspace_id: str, user: CurrentUser, session: AppDbSession) -> Workspace:
    workspace = member_workspace(session, user.id, workspace_id)
    if workspace is None:
        # Same answer whether it does not exist or belongs to someone else: ids do not leak.
        raise HTTPException(404, "No such workspace.")
    return workspace


CurrentWorkspace = Annotated[Workspace, Depends(current_workspace)]
