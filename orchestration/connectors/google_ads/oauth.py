"""Access tokens for the Google Ads API from a merchant's OAuth refresh token.

Google access tokens live about an hour; the refresher keeps one until shortly before it
expires, and the client drops it early when the API answers 401 anyway (revoked, clock skew).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from orchestration.connectors.http import (
    Failed,
    HttpConnector,
    RetryAfter,
    RetryPolicy,
    Succeeded,
    Verdict,
)

# Refresh this long before the announced expiry, so a token never runs out mid-request.
EXPIRY_MARGIN_SECONDS = 60.0


class GoogleOAuthError(Exception):
    """The token endpoint refused to issue an access token; `error` is OAuth's error code."""

    def __init__(self, error: str | None, message: str) -> None:
        super().__init__(message)
        self.error = error


@dataclass(frozen=True)
class _AccessToken:
    value: str
    refresh_after: float  # on the refresher's clock


class OAuthRefresher(HttpConnector):
    """Trades a refresh token for access tokens at Google's OAuth 2.0 token endpoint, through
    the same request loop, retry policy and usage counting as the API clients."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        *,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token_url = token_url
        self._form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
            "client_secret": client_secret,
        }
        super().__init__(http=http, timeout=timeout, retry=retry)
        self._clock = clock
        self._token: _AccessToken | None = None
        self.refreshes = 0

    def access_token(self) -> str:
        """A valid access token, refreshed when the cached one is about to expire."""
        if self._token is None or self._clock() >= self._token.refresh_after:
            self._token = self._refresh()
        return self._token.value

    def invalidate(self) -> None:
        """Forget the cached token: the API refused it, the next call fetches a new one."""
        self._token = None

    def _refresh(self) -> _AccessToken:
        def send() -> tuple[float, httpx.Response]:
            requested_at = self._clock()
            return requested_at, self._http.post(
                self._token_url, data=self._form, timeout=self._timeout
            )

        return self._send_with_retries(
            send,
            self._classify,
            transport_failure=lambda exc: GoogleOAuthError(
                None, f"token endpoint: {type(exc).__name__}: {exc}"
            ),
            give_up=_gave_up,
        )

    def _classify(
        self, sent: tuple[float, httpx.Response]
    ) -> Verdict[_AccessToken, GoogleOAuthError]:
        requested_at, response = sent
        payload = _json_object(response)
        if response.is_success and isinstance(payload.get("access_token"), str):
            self.refreshes += 1
            expires_in = payload.get("expires_in")
            # Without a usable lifetime the token is used once and then refreshed.
            lifetime = expires_in if isinstance(expires_in, int | float) else 0
            return Succeeded(
                _AccessToken(
                    payload["access_token"], requested_at + lifetime - EXPIRY_MARGIN_SECONDS
                )
            )
        failure = _token_error(response, payload)
        return Failed(failure) if response.status_code < 500 else RetryAfter(failure)


def _gave_up(failure: GoogleOAuthError, retries: int) -> GoogleOAuthError:
    return GoogleOAuthError(failure.error, f"{failure} (gave up after {retries} retries)")


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _token_error(response: httpx.Response, payload: dict[str, Any]) -> GoogleOAuthError:
    error = payload.get("error")
    code = error if isinstance(error, str) else None
    detail = payload.get("error_description") or "no description"
    if code == "invalid_grant":
        action = "the merchant must reconnect Google Ads (the refresh token expired or was revoked)"
    elif code in ("invalid_client", "unauthorized_client"):
        action = (
            "check metricx's OAuth client (METRICX_GOOGLE_OAUTH_CLIENT_ID and "
            "METRICX_GOOGLE_OAUTH_CLIENT_SECRET)"
        )
    else:
        action = "retry later; if it persists, check Google's OAuth status"
    return GoogleOAuthError(
        code,
        f"token endpoint refused the refresh token (HTTP {response.status_code}, "
        f"{code or 'no error code'}: {detail}): {action}",
    )
