from __future__ import annotations

from pydantic import BaseModel, Field


class UserRepair(BaseModel):
    """What a repair changed; run again at once, it counts everyone unchanged."""

    created: int = Field(description="Users Clerk has that the app database missed.")
    updated: int = Field(description="Users whose email changed, or who were wrongly deleted.")
    deleted: int = Field(description="Users soft-deleted because Clerk no longer has them.")
    unchanged: int
