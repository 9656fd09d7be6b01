"""Where a browser's OAuth flow ends: the web app's Connections page, told by its query what
happened, since a merchant does not read JSON.

A callback is reached by the browser the platform redirects; API clients that play the browser
(scripts, tests) keep the JSON answers by not asking for HTML.
"""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import quote, urlencode

from fastapi import Request


class CallbackError(StrEnum):
    """What the Connections page explains after a callback that connected nothing."""

    CONSENT_DECLINED = "consent_declined"
    INVALID_STATE = "invalid_state"
    MISSING_CODE = "missing_code"
    INVALID_CALLBACK = "invalid_callback"
    PLATFORM_ERROR = "platform_error"


class CallbackRefused(Exception):
    """A callback that connects nothing: an HTTP problem for an API client, a redirect with an
    error code for a browser (to the workspace's page when the state told which)."""

    def __init__(
        self,
        status: int,
        error: CallbackError,
        detail: str,
        provider: str,
        workspace_id: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.provider = provider
        self.workspace_id = workspace_id


def wants_page(request: Request) -> bool:
    """A browser navigating asks for HTML (`Accept: text/html,…`); an API client does not."""
    return "text/html" in request.headers.get("accept", "")


def connections_page(workspace_id: str | None, **query: str) -> str:
    """The web app's Connections page (same origin as the API); without a workspace, the page
    of the member's first one."""
    path = (
        f"/workspaces/{quote(workspace_id, safe='')}/connections"
        if workspace_id
        else "/connections"
    )
    return f"{path}?{urlencode(query)}" if query else path
