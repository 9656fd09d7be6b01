"""What a sign-in does for the user, and what they see of themselves."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.users.schemas import Me, MembershipOut
from warehouse.appdb.accounts import settle_memberships
from warehouse.appdb.models import Membership, Role, User, Workspace


def signed_in(session: Session, user: User) -> Me:
    """Accept the user's invitations (or give them a first workspace), then describe them."""
    settle_memberships(session, user)
    rows = session.execute(
        select(Workspace.id, Workspace.name, Membership.role)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user.id)
        .order_by(Workspace.name, Workspace.id)
    )
    return Me(
        id=user.id,
        clerk_user_id=user.clerk_user_id,
        email=user.email,
        memberships=[
            MembershipOut(workspace_id=row.id, workspace_name=row.name, role=Role(row.role))
            for row in rows
        ],
    )
