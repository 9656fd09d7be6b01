"""What the three platforms' OAuth flows share: the grant a callback ends with, and the errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


class PlatformError(Exception):
    """The platform refused or failed a step of the flow; the message says which."""


class ConsentDeclined(Exception):
    """The merchant declined on the platform's consent page."""


@dataclass(frozen=True)
class Account:
    """An account the grant reaches, which the merchant may choose to connect."""

    external_account_id: str
    display_name: str
    settings: dict[str, Any] = field(default_factory=dict)
    # The manager (MCC) accounts it is reached through, top first: a Google client account's.
    manager_path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grant:
    """The credentials a consent gave (stored encrypted) and the accounts they reach."""

    credentials: dict[str, Any]
    accounts: list[Account]


def callback_url(api_public_url: str, provider: str) -> str:
    """The redirect URI registered with the platform's app: the same for every workspace, the
    `state` says whose flow it is."""
    return f"{api_public_url.rstrip('/')}/v1/connections/oauth/{provider}/callback"


def json_of(response: httpx.Response, step: str) -> Any:
    """The body of a successful answer, else a PlatformError naming the step and the status
    (never the body, which may echo a secret)."""
    if response.is_error:
        raise PlatformError(f"{step} failed: the platform answered HTTP {response.status_code}.")
    try:
        return response.json()
    except ValueError as exc:
        raise PlatformError(f"{step} failed: the platform's answer is not JSON.") from exc
