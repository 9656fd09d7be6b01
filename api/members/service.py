"""Membership changes and the rules they keep: an admin never grants or touches the owner role,
and a workspace always keeps an owner."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.kit.errors import ProblemError
from api.members.schemas import InvitationOut, MemberList, MemberOut
from warehouse.appdb.models import Invitation, Membership, Role, User


def members(session: Session, workspace_id: str) -> MemberList:
    rows = session.execute(
        select(User.id, User.email, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id, User.deleted_at.is_(None))
        .order_by(User.email, User.id)
    )
    invitations = session.scalars(
        select(Invitation).where(Invitation.workspace_id == workspace_id).order_by(Invitation.email)
    )
    return MemberList(
        members=[MemberOut(user_id=row.id, email=row.email, role=Role(row.role)) for row in rows],
        invitations=[InvitationOut.model_validate(i) for i in invitations],
    )


def invite(
    session: Session, caller: Membership, workspace_id: str, email: str, role: Role
) -> Invitation:
    """Invite `email` (again, with the new role, if invited before)."""
    _may_grant(caller, role)
    email = email.lower()
    already_member = session.scalar(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id, func.lower(User.email) == email)
    )
    if already_member is not None:
        raise ProblemError(409, f"{email} is already a member; change their role instead.")
    invitation = session.scalar(
        select(Invitation).where(Invitation.workspace_id == workspace_id, Invitation.email == email)
    )
    if invitation is None:
        invitation = Invitation(
            workspace_id=workspace_id, email=email, role=role, invited_by=caller.user_id
        )
        session.add(invitation)
    else:
        invitation.role = role
    session.flush()
    return invitation


def revoke_invitation(session: Session, workspace_id: str, invitation_id: str) -> None:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.workspace_id != workspace_id:
        raise ProblemError(404, "No such invitation in this workspace.")
    session.delete(invitation)
    session.flush()


def change_role(
    session: Session, caller: Membership, workspace_id: str, user_id: str, role: Role
) -> MemberOut:
    member = _member(session, workspace_id, user_id)
    _may_grant(caller, role)
    _may_touch(caller, member)
    if member.role == Role.OWNER and role != Role.OWNER:
        _keep_an_owner(session, workspace_id)
    member.role = role
    session.flush()
    user = session.get_one(User, user_id)
    return MemberOut(user_id=user.id, email=user.email, role=role)


def remove(session: Session, caller: Membership, workspace_id: str, user_id: str) -> None:
    member = _member(session, workspace_id, user_id)
    _may_touch(caller, member)
    if member.role == Role.OWNER:
        _keep_an_owner(session, workspace_id)
    session.delete(member)
    session.flush()


def _member(session: Session, workspace_id: str, user_id: str) -> Membership:
    member = session.get(Membership, (user_id, workspace_id))
    if member is None:
        raise ProblemError(404, "No such member in this workspace.")
    return member


def _may_grant(caller: Membership, role: Role) -> None:
    if role == Role.OWNER and caller.role != Role.OWNER:
        raise ProblemError(403, "Only an owner can make someone an owner.")


def _may_touch(caller: Membership, member: Membership) -> None:
    if member.role == Role.OWNER and caller.role != Role.OWNER:
        raise ProblemError(403, "Only an owner can change or remove an owner.")


def _keep_an_owner(session: Session, workspace_id: str) -> None:
    # Owners whose account still exists: a deleted user's membership owns nothing.
    owners = session.scalar(
        select(func.count())
        .select_from(Membership)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.workspace_id == workspace_id,
            Membership.role == Role.OWNER,
            User.deleted_at.is_(None),
        )
    )
    if (owners or 0) <= 1:
        raise ProblemError(
            409,
            "The workspace's last owner cannot be removed or demoted; make another owner first.",
        )
