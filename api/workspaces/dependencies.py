"""`CurrentWorkspace`: the `{workspace_id}` of the path, once the caller is known to be a member."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException

from api.auth.dependencies import CurrentUser
from api.kit.dependencies import AppDbSession
from api.workspaces.service import member_workspace
from warehouse.appdb.models import Workspace


def current_workspace(workspace_id: str, user: CurrentUser, session: AppDbSession) -> Workspace:
    workspace = member_workspace(session, user.id, workspace_id)
    if workspace is None:
        # Same answer whether it does not exist or belongs to someone else: ids do not leak.
        raise HTTPException(404, "No such workspace.")
    return workspace


CurrentWorkspace = Annotated[Workspace, Depends(current_workspace)]
