from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.kit.text import CONTROL_CHARACTERS
from warehouse.appdb.models import Role


class MemberOut(BaseModel):
    user_id: str
    email: str
    role: Role


class InvitationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    role: Role
    created_at: datetime


class MemberList(BaseModel):
    members: list[MemberOut]
    invitations: list[InvitationOut] = Field(description="Sent and not yet accepted.")


class InvitationCreate(BaseModel):
    """Accepted when someone signs in with this email (`GET /v1/me`)."""

    # Only its shape is checked: Clerk verifies the address when its owner signs up. No control
    # characters: no address has them, and PostgreSQL's text refuses NUL.
    email: str = Field(
        pattern=rf"^[^@\s{CONTROL_CHARACTERS}]+@[^@\s{CONTROL_CHARACTERS}]+$",
        max_length=320,
        examples=["teammate@example.com"],
    )
    role: Role = Field(default=Role.VIEWER)


class RoleChange(BaseModel):
    role: Role
