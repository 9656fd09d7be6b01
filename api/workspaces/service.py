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


def connection_states(session: Session, workspace_id: str) -> list[tuple[str, str, str]]:
    """(id, provider, status) of each of the workspace's connections, in a stable order."""
    statement = (
        select(Connection.id, Connection.provider, Connection.status)
        .where(Connection.workspace_id == workspace_id)
        .order_by(Connection.id)
    )
    return [(row.id, row.provider, row.status) for row in session.execute(statement)]


def update_workspace(
    session: Session,
    workspace: Workspace,
    *,
    name: str | None,
    currency: str | None,
    timezone: str | None,
) -> Workspace:
    """Change what was sent. The app database is the only place written: the warehouse job's
    `app_workspaces` asset copies the settings into the warehouse on its next run, and the
    incremental marts rebuild every row of a workspace whose settings changed (dbt macro
    `workspaces_with_changed_settings`), so the numbers follow within one run."""
    for field, value in (("name", name), ("currency", currency), ("timezone", timezone)):
        if value is not None and getattr(workspace, field) != value:
            setattr(workspace, field, value)
    session.flush()
    return workspace
