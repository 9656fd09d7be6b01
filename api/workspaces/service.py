"""Workspaces as seen by one user: only those they are a member of exist for them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.appdb.models import Connection, Membership, Workspace


def member_workspaces(session: Session, user_id: str) -> list[Workspace]:
    statement = (
        select(Workspace)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user_id)
        .order_by(Workspace.name, Workspace.id)
    )
    return list(session.scalars(statement))


def member_workspace(session: Session, user_id: str, workspace_id: str) -> Workspace | None:
    statement = (
        select(Workspace)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user_id, Workspace.id == workspace_id)
    )
    return session.scalar(statement)


def connected_providers(session: Session, workspace_id: str) -> set[str]:
    """The providers the workspace has a connection to, whatever the connection's state."""
    statement = select(Connection.provider).where(Connection.workspace_id == workspace_id)
    return set(session.scalars(statement))
