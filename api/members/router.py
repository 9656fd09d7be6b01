from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.kit.dependencies import AppDbSession
from api.kit.errors import BODY_PROBLEMS, problem_response
from api.members import service
from api.members.schemas import InvitationCreate, InvitationOut, MemberList, MemberOut, RoleChange
from api.workspaces.dependencies import (
    WORKSPACE_PROBLEMS,
    CallerMembership,
    CurrentWorkspace,
    ManagedWorkspace,
)

router = APIRouter(
    prefix="/v1/workspaces/{workspace_id}", tags=["members"], responses=WORKSPACE_PROBLEMS
)
_LAST_OWNER: dict[int | str, dict[str, Any]] = {
    409: problem_response("The workspace's last owner would be removed or demoted.")
}
_NO_MEMBER: dict[int | str, dict[str, Any]] = {
    404: problem_response("No such workspace, or no such member of it.")
}


@router.get("/members")
def list_members(workspace: CurrentWorkspace, session: AppDbSession) -> MemberList:
    """The members and their roles, and the invitations not yet accepted."""
    return service.members(session, workspace.id)


@router.post(
    "/invitations",
    status_code=201,
    responses={**BODY_PROBLEMS, 409: problem_response("The email is already a member's.")},
)
def invite(
    body: InvitationCreate,
    workspace: ManagedWorkspace,
    caller: CallerMembership,
    session: AppDbSession,
) -> InvitationOut:
    """Invite an email with a role (owners and admins; only an owner invites an owner). The
    invitation is accepted when someone signs in to metricx with that email."""
    invitation = service.invite(session, caller, workspace.id, body.email, body.role)
    session.commit()
    return InvitationOut.model_validate(invitation)


@router.delete(
    "/invitations/{invitation_id}",
    status_code=204,
    responses={404: problem_response("No such workspace, or no such invitation in it.")},
)
def revoke_invitation(
    invitation_id: str, workspace: ManagedWorkspace, session: AppDbSession
) -> Response:
    service.revoke_invitation(session, workspace.id, invitation_id)
    session.commit()
    return Response(status_code=204)


@router.patch("/members/{user_id}", responses={**BODY_PROBLEMS, **_NO_MEMBER, **_LAST_OWNER})
def change_role(
    user_id: str,
    body: RoleChange,
    workspace: ManagedWorkspace,
    caller: CallerMembership,
    session: AppDbSession,
) -> MemberOut:
    """Change a member's role (owners and admins; only an owner grants, changes or removes the
    owner role)."""
    member = service.change_role(session, caller, workspace.id, user_id, body.role)
    session.commit()
    return member


@router.delete("/members/{user_id}", status_code=204, responses={**_NO_MEMBER, **_LAST_OWNER})
def remove_member(
    user_id: str, workspace: ManagedWorkspace, caller: CallerMembership, session: AppDbSession
) -> Response:
    """Remove a member (owners and admins; only an owner removes an owner)."""
    service.remove(session, caller, workspace.id, user_id)
    session.commit()
    return Response(status_code=204)
