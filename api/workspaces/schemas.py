from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class WorkspaceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    slug: str
    name: str
    currency: str
    timezone: str


class WorkspaceList(BaseModel):
    workspaces: list[WorkspaceOut]
