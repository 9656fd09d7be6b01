"""Google Ads API (REST) and Google's OAuth token endpoint, as much as metricx uses, in the real
wire format.

Mounted under `/google-ads`, so `https://googleads.googleapis.com/v18/...` becomes
`{sim}/google-ads/v18/...`, and under `/google-oauth`, so `https://oauth2.googleapis.com/token`
becomes `{sim}/google-oauth/token`.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from simulator.google_ads.world import (
    ADWORDS_SCOPE,
    DEVELOPER_TOKEN,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    AdGroupHour,
    GoogleAdsWorld,
    RowCorruption,
    StreamFailure,
    StreamFault,
)
from simulator.merchants import Merchant
from simulator.world import World

_VERSION = re.compile(r"v\d+")
_CUSTOMER_ID = re.compile(r"\d{10}")
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

_CUSTOMER_FIELDS: dict[str, Callable[[Merchant], str]] = {
    "customer.id": lambda m: m.google_customer_id,
    "customer.descriptive_name": lambda m: m.name,
    "customer.currency_code": lambda m: m.currency,
    "customer.time_zone": lambda m: m.timezone,
}
# int64 fields travel as JSON strings and doubles as JSON numbers (proto3 JSON mapping).
_AD_GROUP_FIELDS: dict[str, Callable[[AdGroupHour], Any]] = {
    "campaign.id": lambda row: row.ad_group.campaign_id,
    "campaign.name": lambda row: row.ad_group.campaign_name,
    "ad_group.id": lambda row: row.ad_group.ad_group_id,
    "ad_group.name": lambda row: row.ad_group.ad_group_name,
    "segments.date": lambda row: row.local_date.isoformat(),
    "segments.hour": lambda row: row.hour,
    "metrics.cost_micros": lambda row: str(row.metrics.cost_micros),
    "metrics.impressions": lambda row: str(row.metrics.impressions),
    "metrics.clicks": lambda row: str(row.metrics.clicks),
    # Google sends these as doubles; the world's values have two decimals, which a double's
    # shortest repr reproduces exactly, so the wire carries what Google's would.
    "metrics.conversions": lambda row: float(row.metrics.conversions),
    "metrics.conversions_value": lambda row: float(row.metrics.conversions_value),
}
_SELECTABLE = {
    "ad_group": frozenset(_AD_GROUP_FIELDS) | frozenset(_CUSTOMER_FIELDS),
    "customer": frozenset(_CUSTOMER_FIELDS),
}
# The simulator serves hourly ad group rows only; without both segments it would have to
# aggregate.
_REQUIRED_AD_GROUP_SEGMENTS = ("segments.date", "segments.hour")


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
                    "requestId": _request_id(),
                }
            ]
        body: Any = [{"error": error}] if self.in_stream else {"error": error}
        return JSONResponse(body, status_code=http_status)


@dataclass(frozen=True)
class Query:
    fields: tuple[str, ...]
    resource: str
    date_range: tuple[date, date] | None = None  # set exactly when the resource is ad_group


def build_google_ads_router(world: World) -> APIRouter:
    """Routes meant to be mounted at `/google-ads`."""
    google = GoogleAdsWorld.of(world)
    router = APIRouter(tags=["google ads simulator"])

    @router.post("/{version}/customers/{customer_id}/googleAds:searchStream")
    async def search_stream(version: str, customer_id: str, request: Request) -> JSONResponse:
        try:
            if not _VERSION.fullmatch(version):
                raise GoogleAdsError("NOT_FOUND")
            body = await request.body()
            merchant = _authorize(google, request, customer_id)
            failure = google.faults.take_search_stream_failure()
            if failure is not None:
                raise _injected(failure)
            query = parse_gaql(_query_text(body))
            batches = await run_in_threadpool(_answer, google, merchant, query)
            return JSONResponse(batches)
        except GoogleAdsError as error:
            return error.response(version)

    return router


def build_google_oauth_router(world: World) -> APIRouter:
    """Routes meant to be mounted at `/google-oauth`: the token endpoint of Google's OAuth 2.0."""
    google = GoogleAdsWorld.of(world)
    router = APIRouter(tags=["google oauth simulator"])

    @router.post("/token")
    async def token(request: Request) -> JSONResponse:
        form = {
            name: values[0]
            for name, values in parse_qs(
                (await request.body()).decode(errors="replace"), keep_blank_values=True
            ).items()
        }
        if (form.get("client_id"), form.get("client_secret")) != (
            OAUTH_CLIENT_ID,
            OAUTH_CLIENT_SECRET,
        ):
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if form.get("grant_type") != "refresh_token":
            return _oauth_error(
                400, "unsupported_grant_type", f"Invalid grant_type: {form.get('grant_type', '')}"
            )
        if not form.get("refresh_token"):
            return _oauth_error(400, "invalid_request", "Missing required parameter: refresh_token")
        merchant = google.merchant_by_refresh_token(form["refresh_token"])
        if merchant is None:
            return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        issued = google.issue_access_token(merchant)
        return JSONResponse(
            {
                "access_token": issued.token,
                "expires_in": int(google.access_token_lifetime.total_seconds()),
                "scope": ADWORDS_SCOPE,
                "token_type": "Bearer",
            }
        )

    return router


def parse_gaql(text: str) -> Query:
    """The subset of GAQL metricx sends: SELECT fields FROM ad_group or customer, with ad_group
    filtered by `WHERE segments.date BETWEEN 'YYYY-MM-DD' AND 'YYYY-MM-DD'`.

    Anything else is refused with the query error Google would give, or with QUERY_ERROR when
    it is valid GAQL the simulator does not serve, rather than answered with the wrong data.
    """
    select = re.fullmatch(r"\s*SELECT\s+(.*)", text, re.IGNORECASE | re.DOTALL)
    if select is None:
        raise _query_error("EXPECTED_SELECT", "Expected SELECT at the start of the query.")
    parts = re.split(r"\s+FROM\s+", select.group(1), flags=re.IGNORECASE)
    if len(parts) != 2:
        raise _query_error("EXPECTED_FROM", "Expected exactly one FROM clause.")
    select_list, rest = parts
    tail = re.fullmatch(r"(\w+)(?:\s+WHERE\s+(.*?))?\s*", rest, re.IGNORECASE | re.DOTALL)
    if tail is None:
        raise _query_error(
            "QUERY_ERROR",
            "The simulator serves only SELECT ... FROM ... [WHERE segments.date BETWEEN ...].",
        )
    resource, where = tail.group(1), tail.group(2)
    selectable = _SELECTABLE.get(resource)
    if selectable is None:
        raise _query_error(
            "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE", f"Invalid resource type in FROM clause: {resource}"
        )
    fields = tuple(field.strip() for field in select_list.split(","))
    for field in fields:
        if field not in selectable:
            raise _query_error("UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{field}'.")
    if resource == "customer":
        if where is not None:
            raise _query_error("QUERY_ERROR", "The simulator serves customer without WHERE.")
        return Query(fields, resource)
    missing = [segment for segment in _REQUIRED_AD_GROUP_SEGMENTS if segment not in fields]
    if missing:
        raise _query_error(
            "QUERY_ERROR", f"The simulator serves ad_group segmented by hour; select {missing[0]}."
        )
    if where is None:
        raise _query_error(
            "EXPECTED_FILTERS_ON_DATE_RANGE", "Missing filters on date related fields."
        )
    return Query(fields, resource, _date_range(where))


def _date_range(where: str) -> tuple[date, date]:
    between = re.fullmatch(
        r"segments\.date\s+BETWEEN\s+'([^']*)'\s+AND\s+'([^']*)'", where.strip(), re.IGNORECASE
    )
    if between is None:
        raise _query_error(
            "QUERY_ERROR",
            "The simulator filters only by segments.date BETWEEN 'YYYY-MM-DD' AND 'YYYY-MM-DD'.",
        )
    since, until = (_date_value(value) for value in between.groups())
    if since > until:
        raise _query_error(
            "DATE_RANGE_TOO_NARROW", "Filters on date have a start date after end date."
        )
    return since, until


def _date_value(value: str) -> date:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise _query_error("BAD_VALUE", f"Invalid date '{value}'. Expected 'YYYY-MM-DD'.")


def _authorize(google: GoogleAdsWorld, request: Request, customer_id: str) -> Merchant:
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise GoogleAdsError(
            "UNAUTHENTICATED",
            {"authenticationError": "OAUTH_TOKEN_HEADER_INVALID"},
            "Oauth token HTTP header is malformed.",
        )
    issued = google.access_token(token.strip())
    if issued is None:
        raise GoogleAdsError(
            "UNAUTHENTICATED",
            {"authenticationError": "OAUTH_TOKEN_INVALID"},
            "Oauth token is invalid.",
        )
    if google.now() >= issued.expires_at:
        raise GoogleAdsError(
            "UNAUTHENTICATED",
            {"authenticationError": "OAUTH_TOKEN_EXPIRED"},
            "Oauth token has expired.",
        )
    developer_token = request.headers.get("developer-token")
    if not developer_token:
        raise GoogleAdsError(
            "INVALID_ARGUMENT",
            {"requestError": "DEVELOPER_TOKEN_PARAMETER_MISSING"},
            "developer-token parameter is missing.",
        )
    if developer_token != DEVELOPER_TOKEN:
        # What API versions before v19 answer for a developer token they do not know.
        raise GoogleAdsError(
            "PERMISSION_DENIED",
            {"authorizationError": "DEVELOPER_TOKEN_NOT_APPROVED"},
            "The developer token is not approved. Non-approved developer tokens can only be "
            "used with test accounts.",
        )
    if not _CUSTOMER_ID.fullmatch(customer_id):
        raise GoogleAdsError(
            "INVALID_ARGUMENT",
            {"requestError": "INVALID_CUSTOMER_ID"},
            "Customer id is invalid: it must be 10 digits without dashes.",
        )
    login_customer_id = request.headers.get("login-customer-id")
    merchant = google.merchant_by_customer_id(customer_id)
    # The simulated merchants manage their own accounts: there is no manager account to log in
    # through, so a login-customer-id other than the customer itself grants nothing.
    if merchant is not issued.merchant or login_customer_id not in (None, customer_id):
        raise GoogleAdsError(
            "PERMISSION_DENIED",
            {"authorizationError": "USER_PERMISSION_DENIED"},
            "User doesn't have permission to access customer. Note: If you're accessing a "
            "client customer, the manager's customer id must be set in the 'login-customer-id' "
            "header. See https://developers.google.com/google-ads/api/docs/concepts/"
            "call-structure#cid",
        )
    return merchant


def _query_text(body: bytes) -> str:
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise GoogleAdsError(
            "INVALID_ARGUMENT", {"requestError": "INVALID_INPUT"}, "The body is not JSON."
        ) from exc
    query = payload.get("query") if isinstance(payload, dict) else None
    if not isinstance(query, str) or not query.strip():
        raise GoogleAdsError(
            "INVALID_ARGUMENT",
            {"requestError": "REQUIRED_FIELD_MISSING"},
            "Required field 'query' is missing.",
        )
    return query


def _answer(google: GoogleAdsWorld, merchant: Merchant, query: Query) -> list[dict[str, Any]]:
    if query.date_range is None:
        results = [_customer_row(merchant, query.fields)]
    else:
        since, until = query.date_range
        results = [
            _ad_group_row(row, merchant, query.fields)
            for row in google.rows_between(merchant.google_customer_id, since, until)
        ]
        # Corruption is aimed at the metric rows; the customer lookup stays clean.
        corruptions = google.faults.take_corruptions(len(results))
        for row, corruption in zip(results, corruptions, strict=False):
            _corrupt(row, corruption)
    field_mask = ",".join(_camel_path(field) for field in query.fields)
    size = google.stream_batch_size
    request_id = _request_id()
    batches = [
        {"results": results[start : start + size], "fieldMask": field_mask, "requestId": request_id}
        for start in range(0, len(results), size)
    ]
    return batches or [{"fieldMask": field_mask, "requestId": request_id}]


def _customer_row(merchant: Merchant, fields: tuple[str, ...]) -> dict[str, Any]:
    customer = {"resourceName": f"customers/{merchant.google_customer_id}"}
    for field in fields:
        customer[_camel(field.split(".", 1)[1])] = _CUSTOMER_FIELDS[field](merchant)
    return {"customer": customer}


def _ad_group_row(row: AdGroupHour, merchant: Merchant, fields: tuple[str, ...]) -> dict[str, Any]:
    customer_id = merchant.google_customer_id
    rendered: dict[str, dict[str, Any]] = {
        "campaign": {
            "resourceName": f"customers/{customer_id}/campaigns/{row.ad_group.campaign_id}"
        },
        "adGroup": {"resourceName": f"customers/{customer_id}/adGroups/{row.ad_group.ad_group_id}"},
        "customer": {"resourceName": f"customers/{customer_id}"},
        "segments": {},
        "metrics": {},
    }
    for field in fields:
        resource, attribute = (_camel(part) for part in field.split(".", 1))
        if field in _CUSTOMER_FIELDS:
            rendered[resource][attribute] = _CUSTOMER_FIELDS[field](merchant)
        else:
            rendered[resource][attribute] = _AD_GROUP_FIELDS[field](row)
    # Google returns only the resources the query selected something from.
    selected = {_camel(field.split(".", 1)[0]) for field in fields}
    return {resource: values for resource, values in rendered.items() if resource in selected}


def _corrupt(row: dict[str, Any], corruption: RowCorruption) -> None:
    if corruption is RowCorruption.NON_NUMERIC_COST:
        row.setdefault("metrics", {})["costMicros"] = "n/a"
    else:
        row.setdefault("adGroup", {}).pop("id", None)


def _injected(failure: StreamFailure) -> GoogleAdsError:
    if failure.kind is StreamFault.RESOURCE_EXHAUSTED:
        return GoogleAdsError(
            "RESOURCE_EXHAUSTED",
            {"quotaError": "RESOURCE_TEMPORARILY_EXHAUSTED"},
            f"Too many requests. Retry in {failure.retry_delay_seconds} seconds.",
            retry_delay_seconds=failure.retry_delay_seconds,
        )
    if failure.kind is StreamFault.INTERNAL:
        return GoogleAdsError(
            "INTERNAL",
            {"internalError": "INTERNAL_ERROR"},
            "An internal error has occurred.",
        )
    return GoogleAdsError(
        "UNAVAILABLE",
        {"internalError": "TRANSIENT_ERROR"},
        "The service is currently unavailable; retry the request.",
    )


def _query_error(code: str, message: str) -> GoogleAdsError:
    return GoogleAdsError("INVALID_ARGUMENT", {"queryError": code}, message, in_stream=True)


def _oauth_error(status_code: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status_code)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _camel_path(field: str) -> str:
    return ".".join(_camel(part) for part in field.split("."))


def _request_id() -> str:
    return secrets.token_urlsafe(16)[:22]
