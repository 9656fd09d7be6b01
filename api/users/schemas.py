from __future__ import annotations

from pydantic import BaseModel

from warehouse.appdb.models import Role


class MembershipOut(BaseModel):
    workspace_id: str
    workspace_name: str
    role: Role


class Me(BaseModel):
    id: str
    clerk_user_id: str
    email: str
    memberships: list[MembershipOut]
