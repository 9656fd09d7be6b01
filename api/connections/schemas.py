from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.kit.text import ONE_LINE
from warehouse.appdb.models import ConnectionStatus, Provider


class ConnectionOut(BaseModel):
    """A connection as its workspace's members see it: never its credentials."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    provider: Provider
    external_account_id: str = Field(
        description="The Meta ad account id, Google Ads customer id or shop domain."
    )
    display_name: str
    status: ConnectionStatus = Field(
        description="`active` is synced; `error`: its last sync failed in a way a retry can "
        "fix (the platform unavailable, an unreadable answer): still synced, `active` again "
        "with its next successful sync; `needs_reconnect`: the platform refused its "
        "credentials (expired, revoked) and it is not synced until a member reconnects it "
        "through the same OAuth flow, which also lands the windows missed meanwhile; "
        "`disconnected`: stopped by a member, its history kept."
    )
    needs_reconnect_since: datetime | None = Field(
        description="Start of the first 15-minute window its credentials were refused for."
    )
    error_since: datetime | None = Field(
        description="When the failing syncs of a connection in `error` began."
    )
    created_at: datetime
    updated_at: datetime


class ConnectionList(BaseModel):
    connections: list[ConnectionOut]


class AccountChoice(BaseModel):
    external_account_id: str
    display_name: str
    manager_path: list[str] = Field(
        default_factory=list,
        description="The Google Ads manager (MCC) accounts the account is reached through, top "
        "first; empty for an account the consent reaches directly.",
    )


class PendingSelectionOut(BaseModel):
    """What a Meta or Google consent reaches: complete it by choosing accounts (POST)."""

    id: str
    provider: Provider
    workspace_id: str
    accounts: list[AccountChoice]
    expires_at: datetime


class SelectionIn(BaseModel):
    external_account_ids: list[Annotated[str, Field(pattern=ONE_LINE)]] = Field(
        min_length=1, description="The accounts of the selection to connect."
    )


class ConsentOut(BaseModel):
    url: str = Field(
        description="The platform's consent page, with the flow's state: navigate the browser "
        "there; the platform sends it back to the callback."
    )
