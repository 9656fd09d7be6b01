"""Client for the Google Ads API over REST: a customer's settings, hourly ad group metrics and
its campaigns, ad groups and ads with their statuses, all read with
GoogleAdsService.SearchStream and GAQL.

Points at `https://googleads.googleapis.com` in production and at the simulator in tests;
nothing else differs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from pydantic import ValidationError

from orchestration.connectors.google_ads.entities import (
    ENTITY_FIELDS,
    EntityLevel,
    GoogleAdsEntity,
    parse_entity,
)
from orchestration.connectors.google_ads.oauth import GoogleOAuthError, OAuthRefresher
from orchestration.connectors.google_ads.records import (
    GoogleAdsAdGroupHour,
    GoogleAdsCustomer,
    parse_ad_group_hour,
)
from orchestration.connectors.http import (
    Failed,
    HttpConnector,
    ReconnectRequired,
    RequestBudget,
    RetryAfter,
    RetryPolicy,
    Succeeded,
    Verdict,
)
from orchestration.connectors.quarantine import MalformedRow, validation_reason

AD_GROUP_HOURLY_FIELDS = (
    "campaign.id",
    "campaign.name",
    "ad_group.id",
    "ad_group.name",
    "segments.date",
    "segments.hour",
    "metrics.cost_micros",
    "metrics.impressions",
    "metrics.clicks",
    "metrics.conversions",
    "metrics.conversions_value",
    "customer.currency_code",
    "customer.time_zone",
)
CUSTOMER_FIELDS = (
    "customer.id",
    "customer.descriptive_name",
    "customer.currency_code",
    "customer.time_zone",
)
# google.rpc codes Google Ads documents as worth retrying with backoff.
RETRYABLE_STATUSES = frozenset(
    {"RESOURCE_EXHAUSTED", "INTERNAL", "UNAVAILABLE", "DEADLINE_EXCEEDED", "ABORTED"}
)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)s")


class GoogleAdsApiError(Exception):
    """A Google Ads API failure that retrying did not (or could not) fix.

    `status` is the google.rpc status name and `error_codes` the GoogleAdsFailure codes
    ("quotaError.RESOURCE_EXHAUSTED", ...); both are empty when no Google error body came back.
    """

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        status: str | None = None,
        error_codes: tuple[str, ...] = (),
        request_id: str | None = None,
        retry_delay_seconds: float = 0.0,
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.status = status
        self.error_codes = error_codes
        self.request_id = request_id
        self.retry_delay_seconds = retry_delay_seconds

    @property
    def retryable(self) -> bool:
        return _retryable(self.status, self.http_status)

    @property
    def needs_new_access_token(self) -> bool:
        # A 401 about the developer token or the customer id is not cured by a new token.
        return self.http_status == 401 and all(
            code.startswith("authenticationError.OAUTH_TOKEN") for code in self.error_codes
        )


class GoogleAdsTokenError(GoogleAdsApiError, ReconnectRequired):
    """Google refused the merchant's refresh token (invalid_grant), or an access token fresh
    from it (401): only the merchant reconnecting Google Ads issues a usable one."""

    @classmethod
    def of(cls, failure: GoogleAdsApiError) -> GoogleAdsTokenError:
        return cls(
            str(failure),
            http_status=failure.http_status,
            status=failure.status,
            error_codes=failure.error_codes,
            request_id=failure.request_id,
        )


class GoogleAdsClient(HttpConnector):
    def __init__(
        self,
        base_url: str,
        api_version: str,
        developer_token: str,
        credentials: OAuthRefresher,
        *,
        login_customer_id: str | None = None,
        http: httpx.Client | None = None,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        budget: RequestBudget | None = None,
    ) -> None:
        self._base_url = f"{base_url.rstrip('/')}/{api_version}"
        self._developer_token = developer_token
        self._credentials = credentials
        self._login_customer_id = bare_customer_id(login_customer_id) if login_customer_id else None
        super().__init__(http=http, timeout=timeout, retry=retry)
        self._budget = budget or RequestBudget()

    def get_customer(self, customer_id: str) -> GoogleAdsCustomer:
        customer_id = bare_customer_id(customer_id)
        batches = self._search_stream(
            customer_id, f"SELECT {', '.join(CUSTOMER_FIELDS)} FROM customer"
        )
        rows = [row for batch in batches for row in batch.get("results", [])]
        if len(rows) != 1:
            raise GoogleAdsApiError(
                f"Google Ads customer {customer_id}: expected one customer row, got {len(rows)}"
            )
        try:
            return GoogleAdsCustomer.from_row(rows[0])
        except ValidationError as exc:
            raise GoogleAdsApiError(
                f"Google Ads customer {customer_id}: {validation_reason(exc)}"
            ) from exc

    def iter_hourly_ad_group_metrics(
        self, customer_id: str, since: date, until: date
    ) -> Iterator[GoogleAdsAdGroupHour | MalformedRow]:
        """Ad group metrics per account-local hour for the account-local days since..until.

        A row that does not parse comes out as a MalformedRow with the reason; the rest go on.
        """
        if since > until:
            raise ValueError(f"since {since} is after until {until}")
        return self._hourly_rows(bare_customer_id(customer_id), since, until)

    def iter_entities(
        self, customer_id: str, level: EntityLevel
    ) -> Iterator[GoogleAdsEntity | MalformedRow]:
        """The customer's campaigns, ad groups or ads as of now, every status included.

        A row that does not parse comes out as a MalformedRow with the reason; the rest go on.
        """
        customer_id = bare_customer_id(customer_id)
        query = f"SELECT {', '.join(ENTITY_FIELDS[level])} FROM {level.resource}"
        for batch in self._search_stream(customer_id, query):
            self.usage.pages += 1
            for row in batch.get("results", []):
                yield parse_entity(row, level, customer_id)

    def _hourly_rows(
        self, customer_id: str, since: date, until: date
    ) -> Iterator[GoogleAdsAdGroupHour | MalformedRow]:
        query = (
            f"SELECT {', '.join(AD_GROUP_HOURLY_FIELDS)} FROM ad_group "
            f"WHERE segments.date BETWEEN '{since.isoformat()}' AND '{until.isoformat()}'"
        )
        # The whole stream is read before the first row is yielded, so a retry after a failure
        # half-way through cannot hand out a row twice.
        for batch in self._search_stream(customer_id, query):
            self.usage.pages += 1
            for row in batch.get("results", []):
                yield parse_ad_group_hour(row, customer_id)

    def _search_stream(self, customer_id: str, query: str) -> list[dict[str, Any]]:
        url = f"{self._base_url}/customers/{customer_id}/googleAds:searchStream"
        context = f"Google Ads customer {customer_id}"
        headers: dict[str, str] = {}
        refreshed = False

        def authorize() -> None:
            headers.update(self._headers(context))

        def classify(response: httpx.Response) -> Verdict[list[dict[str, Any]], GoogleAdsApiError]:
            nonlocal refreshed
            body = _json_or_none(response)
            failure = _failure(context, response, body)
            if failure is None:
                return Succeeded(body)
            if failure.needs_new_access_token:
                if refreshed:
                    return Failed(GoogleAdsTokenError.of(failure))
                # An access token can expire or be revoked before the refresher expects.
                self._credentials.invalidate()
                refreshed = True
                return RetryAfter(failure, None)
            if not failure.retryable:
                return Failed(failure)
            return RetryAfter(failure, failure.retry_delay_seconds)

        return self._send_with_retries(
            lambda: self._http.post(
                url, json={"query": query}, headers=headers, timeout=self._timeout
            ),
            classify,
            transport_failure=lambda exc: GoogleAdsApiError(
                f"{context}: {type(exc).__name__}: {exc}"
            ),
            give_up=_gave_up,
            budget=self._budget,
            context=context,
            before_each=authorize,
        )

    def _headers(self, context: str) -> dict[str, str]:
        try:
            access_token = self._credentials.access_token()
        except GoogleOAuthError as exc:
            if exc.error == "invalid_grant":
                raise GoogleAdsTokenError(f"{context}: {exc}") from exc
            raise GoogleAdsApiError(f"{context}: {exc}") from exc
        headers = {
            "Authorization": f"Bearer {access_token}",
            "developer-token": self._developer_token,
        }
        if self._login_customer_id:
            headers["login-customer-id"] = self._login_customer_id
        return headers


def _gave_up(failure: GoogleAdsApiError, retries: int) -> GoogleAdsApiError:
    return GoogleAdsApiError(
        f"{failure} (gave up after {retries} retries)",
        http_status=failure.http_status,
        status=failure.status,
        error_codes=failure.error_codes,
        request_id=failure.request_id,
    )


def bare_customer_id(customer_id: str) -> str:
    """`123-456-7890` as Google Ads shows it, `1234567890` as the API takes it."""
    bare = customer_id.replace("-", "").strip()
    if not bare.isdigit():
        raise ValueError(f"not a Google Ads customer id: {customer_id!r}")
    return bare


def _json_or_none(response: httpx.Response) -> Any:
    # Doubles become Decimals straight from their JSON digits: conversions never pass through a
    # binary float.
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError:
        return None


def _failure(context: str, response: httpx.Response, body: Any) -> GoogleAdsApiError | None:
    """None for a complete stream; otherwise the error, read from either place Google puts it:
    the body itself, or an element of the streamed array when the failure came mid-stream."""
    error: Any = None
    if isinstance(body, dict):
        error = body.get("error")
    elif isinstance(body, list):
        error = next(
            (item["error"] for item in body if isinstance(item, dict) and "error" in item), None
        )
        if error is None and response.is_success and all(isinstance(item, dict) for item in body):
            return None
    if not isinstance(error, dict):
        # No Google error body: a proxy's page, or a stream cut off mid-transfer.
        return GoogleAdsApiError(
            f"{context}: HTTP {response.status_code} without a complete Google Ads answer",
            http_status=None if response.is_success else response.status_code,
        )
    status = error.get("status") if isinstance(error.get("status"), str) else None
    failures = [
        failure
        for detail in error.get("details") or []
        if isinstance(detail, dict)
        for failure in detail.get("errors") or []
        if isinstance(failure, dict)
    ]
    codes = tuple(
        f"{kind}.{code}"
        for failure in failures
        if isinstance(failure.get("errorCode"), dict)
        for kind, code in failure["errorCode"].items()
    )
    request_id = next(
        (
            detail["requestId"]
            for detail in error.get("details") or []
            if isinstance(detail, dict) and isinstance(detail.get("requestId"), str)
        ),
        None,
    )
    messages = "; ".join(str(f["message"]) for f in failures if f.get("message"))
    return GoogleAdsApiError(
        f"{context}: {status or 'error'} (HTTP {response.status_code}"
        f"{', ' + ', '.join(codes) if codes else ''}): "
        f"{messages or error.get('message') or 'no message'}"
        f"{f' [request id {request_id}]' if request_id else ''}"
        f" — {_what_to_do(context, status, codes, response.status_code)}",
        http_status=response.status_code,
        status=status,
        error_codes=codes,
        request_id=request_id,
        retry_delay_seconds=max((_retry_delay(f) for f in failures), default=0.0),
    )


def _retryable(status: str | None, http_status: int | None) -> bool:
    if status in RETRYABLE_STATUSES:
        return True
    # No status at all means the request or its answer got lost on the way.
    return http_status is None or http_status == 429 or http_status >= 500


def _retry_delay(failure: dict[str, Any]) -> float:
    """`details.quotaErrorDetails.retryDelay` ("2s", "0.5s": a protobuf Duration) in seconds."""
    details = failure.get("details")
    quota = details.get("quotaErrorDetails") if isinstance(details, dict) else None
    delay = quota.get("retryDelay") if isinstance(quota, dict) else None
    match = _DURATION.fullmatch(delay) if isinstance(delay, str) else None
    return float(match.group(1)) if match else 0.0


def _what_to_do(context: str, status: str | None, codes: tuple[str, ...], http_status: int) -> str:
    joined = " ".join(codes)
    if "DEVELOPER_TOKEN" in joined:
        return (
            "check metricx's Google Ads developer token (METRICX_GOOGLE_ADS_DEVELOPER_TOKEN) "
            "and its access level"
        )
    if "USER_PERMISSION_DENIED" in joined:
        return (
            f"the connected Google account cannot read {context}: reconnect with a user who can, "
            "or set the managing account as login_customer_id in the connection settings"
        )
    if status == "UNAUTHENTICATED":
        return "the merchant must reconnect Google Ads"
    if "queryError" in joined:
        return "Google refused metricx's query: report this with the request id"
    if _retryable(status, http_status):
        return "Google is busy or failing; the next run tries again"
    return "see Google's message and the request id"
