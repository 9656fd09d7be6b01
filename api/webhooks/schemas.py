from __future__ import annotations

from pydantic import BaseModel, Field


class ClerkEvent(BaseModel):
    """A Clerk event as Svix delivers it; only its type is read before verification."""

    type: str = Field(examples=["user.created"])
    object_: str = Field(default="event", alias="object")
    data: dict[str, object]
    timestamp: int = Field(description="When Clerk emitted it, Unix milliseconds.")


class DeliveryReceipt(BaseModel):
    applied: bool = Field(
        description="False for a delivery applied before (a retry or a replay) and for event "
        "types metricx does not follow; either way Svix need not retry it."
    )
