"""`CurrentWorkspace`: the `{workspace_id}` of the path, once the caller is known to be a member;
`ManagedWorkspace`: the same, once the caller is known to be allowed to change it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from api.auth.dependencies import AUTH_PROBLEMS, BearerCredentials, verified_caller
from api.kit.dependencies import AppDbSession
from api.kit.errors import problem_response
from api.workspaces.service import member_workspace
from warehouse.appdb.models import Membership, Role, Workspace

# What `CurrentWorkspace` may answer instead of the route: for the `responses=` of its routers.
WORKSPACE_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **AUTH_PROBLEMS,
    404: problem_response("No such workspace, or the caller is not a member of it."),
}
MANAGERS = frozenset({Role.OWNER, Role.ADMIN})


def current_workspace(
    workspace_id: str, credentials: BearerCredentials, request: Request, session: AppDbSession
) -> Workspace:
    user = verified_caller(credentials, request, session)
    workspace = member_workspace(session, user.id, workspace_id)
    if workspace is None:
        # Same answer whether it does not exist or belongs to someone else: ids do not leak.
        raise HTTPException(404, "No such workspace.")
    request.state.workspace = workspace
    return workspace


CurrentWorkspace = Annotated[Workspace, Depends(current_workspace)]


def caller_membership(
    workspace: CurrentWorkspace,
    credentials: BearerCredentials,
    request: Request,
    session: AppDbSession,
) -> Membership:
    # The caller as `CurrentWorkspace` verified it (kept for the request, no second check), not
    # `CurrentUser`: FastAPI would run that on a worker thread of its own. Not read with the
    # workspace: every workspace route would pay for loading a membership only these use.
    user = verified_caller(credentials, request, session)
    membership = session.get(Membership, (user.id, workspace.id))
    if membership is None:  # removed since `CurrentWorkspace` read it
        raise HTTPException(404, "No such workspace.")
    return membership


CallerMembership = Annotated[Membership, Depends(caller_membership)]


def workspace_of(request: Request) -> Workspace:
    """The workspace `CurrentWorkspace` resolved for the request, for a dependency that needs it
    besides the route (a report period's timezone, a cached answer's key): depending on
    `CurrentWorkspace` there makes FastAPI solve its dependencies again for each (an ETag hit's
    server CPU −9 %, measured). Such a route declares `CurrentWorkspace` first, since FastAPI
    solves the parameters in order; one that does not fails here, never answering unchecked."""
    workspace: Workspace | None = getattr(request.state, "workspace", None)
    if workspace is None:
        raise RuntimeError("the route must declare CurrentWorkspace before what reads it")
    return workspace


async def managed_workspace(workspace: CurrentWorkspace, membership: CallerMembership) -> Workspace:
    # A viewer reads and never writes.
    if membership.role not in MANAGERS:
        raise HTTPException(403, "Viewers cannot change the workspace; ask an owner or admin.")
    return workspace


ManagedWorkspace = Annotated[Workspace, Depends(managed_workspace)]
