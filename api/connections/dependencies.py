"""`CurrentConnection`: a connection of the path's workspace, once the caller is a member."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, HTTPException

from api.connections.service import workspace_connection
from api.kit.dependencies import AppDbSession
from api.workspaces.dependencies import CurrentWorkspace
from warehouse.appdb.models import Connection, utc_now


def current_connection(
    connection_id: str, workspace: CurrentWorkspace, session: AppDbSession
) -> Connection:
    connection = workspace_connection(session, workspace.id, connection_id)
    if connection is None:
        raise HTTPException(404, "No such connection in this workspace.")
    return connection


CurrentConnection = Annotated[Connection, Depends(current_connection)]


def connection_clock() -> Callable[[], datetime]:
    """When a flow step happens (a reconnect's end of the missed windows); a test of a past
    outage overrides it (`app.dependency_overrides`)."""
    return utc_now


Clock = Annotated[Callable[[], datetime], Depends(connection_clock)]
