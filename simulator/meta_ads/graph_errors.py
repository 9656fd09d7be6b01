"""Errors in the Graph API's envelope (`{"error": {message, type, code, error_subcode,
fbtrace_id}}`), which Meta's own SDK turns into `FacebookRequestError`."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi.responses import JSONResponse


class GraphError(Exception):
    """An error answered in Graph API format."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        subcode: int | None = None,
        error_type: str = "OAuthException",
        is_transient: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.subcode = subcode
        self.error_type = error_type
        self.is_transient = is_transient
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        error: dict[str, Any] = {"message": self.message, "type": self.error_type}
        if self.is_transient:
            error["is_transient"] = True
        error["code"] = self.code
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = "A" + secrets.token_urlsafe(16)
        return JSONResponse({"error": error}, status_code=self.status, headers=self.headers)


def invalid(message: str) -> GraphError:
    """Graph's answer to a parameter it cannot use: code 100, `OAuthException`."""
    return GraphError(400, 100, message)


def not_found(object_id: str) -> GraphError:
    # Meta answers the same whether the object is missing or just not shared with you.
    return GraphError(
        400,
        100,
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        subcode=33,
        error_type="GraphMethodException",
    )
