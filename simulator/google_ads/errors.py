"""Errors in Google's format: a google.rpc.Status carrying a GoogleAdsFailure, as the REST
interface of the Google Ads API answers them."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi.responses import JSONResponse

_STATUS_MESSAGES = {
    "INVALID_ARGUMENT": "Request contains an invalid argument.",
    "UNAUTHENTICATED": (
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
        "cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project."
    ),
    "PERMISSION_DENIED": "The caller does not have permission",
    "NOT_FOUND": "Requested entity was not found.",
    "RESOURCE_EXHAUSTED": "Resource has been exhausted (e.g. check quota).",
    "INTERNAL": "Internal error encountered.",
    "UNAVAILABLE": "The service is currently unavailable.",
}
_HTTP_STATUS = {
    "INVALID_ARGUMENT": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "RESOURCE_EXHAUSTED": 429,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
}


class GoogleAdsError(Exception):
    """An error answered in Google's format: a google.rpc.Status with a GoogleAdsFailure."""

    def __init__(
        self,
        status: str,
        error_code: dict[str, str] | None = None,
        message: str = "",
        *,
        retry_delay_seconds: int | None = None,
        in_stream: bool = False,
    ) -> None:
        super().__init__(message or status)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.retry_delay_seconds = retry_delay_seconds
        # Errors raised while the stream runs reach REST clients as an element of the
        # response array rather than as the body itself.
        self.in_stream = in_stream

    def response(self, version: str) -> JSONResponse:
        http_status = _HTTP_STATUS[self.status]
        error: dict[str, Any] = {
            "code": http_status,
            "message": _STATUS_MESSAGES[self.status],
            "status": self.status,
        }
        if self.error_code is not None:
            failure: dict[str, Any] = {"errorCode": self.error_code, "message": self.message}
            if self.retry_delay_seconds is not None:
                failure["details"] = {
                    "quotaErrorDetails": {
                        "rateScope": "ACCOUNT",
                        "rateName": "Number of requests",
                        "retryDelay": f"{self.retry_delay_seconds}s",
                    }
                }
            error["details"] = [
                {
                    "@type": (
                        f"type.googleapis.com/google.ads.googleads.{version}.errors."
                        "GoogleAdsFailure"
                    ),
                    "errors": [failure],
                    "requestId": request_id(),
                }
            ]
        body: Any = [{"error": error}] if self.in_stream else {"error": error}
        return JSONResponse(body, status_code=http_status)


def query_error(code: str, message: str) -> GoogleAdsError:
    """A GAQL query Google refuses: INVALID_ARGUMENT with a `queryError`, inside the stream."""
    return GoogleAdsError("INVALID_ARGUMENT", {"queryError": code}, message, in_stream=True)


def request_id() -> str:
    return secrets.token_urlsafe(16)[:22]
