"""Google Ads API (REST) and Google's OAuth token endpoint, as much as metricx uses, in the real
wire format.

Mounted under `/google-ads`, so `https://googleads.googleapis.com/v18/...` becomes
`{sim}/google-ads/v18/...`, and under `/google-oauth`, so `https://oauth2.googleapis.com/token`
becomes `{sim}/google-oauth/token` (and `/revoke`, Google's revocation endpoint). GAQL is read by
`gaql.py`: a report is answered at the grain its query asks for, with or without
`segments.hour`; a query of attributes alone lists the customer, or its campaigns, ad groups or
ads with their statuses as of now, or (`customer_client`) the hierarchy under it.

A merchant with an agency's manager (MCC) account reaches only the manager
(`customers:listAccessibleCustomers`); its ad account answers only requests logged in through
the manager (`login-customer-id`), as Google's access model has it, and the manager answers
its hierarchy but no metrics.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from simulator.consent import SIM_LOGIN_PARAM, sign_in_page, signed_in, wants_page
from simulator.google_ads.errors import GoogleAdsError, query_error, request_id
from simulator.google_ads.gaql import Query, parse_gaql
from simulator.google_ads.world import (
    ADWORDS_SCOPE,
    DEVELOPER_TOKEN,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    AdGroup,
    AdGroupHour,
    Campaign,
    CustomerClient,
    GoogleAd,
    GoogleAdsWorld,
    GoogleMetrics,
    RowCorruption,
    StreamFailure,
    StreamFault,
)
from simulator.merchants import Merchant
from simulator.world import World

_VERSION = re.compile(r"v\d+")
_CUSTOMER_ID = re.compile(r"\d{10}")
_CUSTOMER_FIELDS: dict[str, Callable[[Merchant], str]] = {
    "customer.id": lambda m: m.google_customer_id,
    "customer.descriptive_name": lambda m: m.name,
    "customer.currency_code": lambda m: m.currency,
    "customer.time_zone": lambda m: m.timezone,
}
_ATTRIBUTES: dict[str, Callable[[AdGroup], str]] = {
    "campaign.id": lambda group: group.campaign_id,
    "campaign.name": lambda group: group.campaign_name,
    "ad_group.id": lambda group: group.ad_group_id,
    "ad_group.name": lambda group: group.ad_group_name,
}
# What a report row is an object of, by the resource queried.
_OBJECT_ID: dict[str, Callable[[AdGroup], str]] = {
    "customer": lambda group: group.customer_id,
    "campaign": lambda group: group.campaign_id,
    "ad_group": lambda group: group.ad_group_id,
}
_WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
# A segment's value for an hourly row; weeks start on Monday, periods are named by their first
# day, years are int32 (JSON numbers).
_SEGMENT_VALUES: dict[str, Callable[[AdGroupHour], Any]] = {
    "segments.date": lambda row: row.local_date.isoformat(),
    "segments.hour": lambda row: row.hour,
    "segments.day_of_week": lambda row: _WEEKDAYS[row.local_date.weekday()],
    "segments.week": lambda row: (
        row.local_date - timedelta(days=row.local_date.weekday())
    ).isoformat(),
    "segments.month": lambda row: row.local_date.replace(day=1).isoformat(),
    "segments.quarter": lambda row: date(
        row.local_date.year, 3 * ((row.local_date.month - 1) // 3) + 1, 1
    ).isoformat(),
    "segments.year": lambda row: row.local_date.year,
}
# int64 fields travel as JSON strings and doubles as JSON numbers (proto3 JSON mapping).
_METRIC_VALUES: dict[str, Callable[[GoogleMetrics], Any]] = {
    "metrics.cost_micros": lambda metrics: str(metrics.cost_micros),
    "metrics.impressions": lambda metrics: str(metrics.impressions),
    "metrics.clicks": lambda metrics: str(metrics.clicks),
    # Google sends these as doubles; the world's values have two decimals, which a double's
    # shortest repr reproduces exactly, so the wire carries what Google's would.
    "metrics.conversions": lambda metrics: float(metrics.conversions),
    "metrics.conversions_value": lambda metrics: float(metrics.conversions_value),
}


@dataclass
class _ReportRow:
    """One object of the queried resource in one combination of the selected segments."""

    ad_group: AdGroup  # the object's first ad group: its own and its campaign's attributes
    segments: dict[str, Any]
    metrics: GoogleMetrics


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
            today = google.now().astimezone(merchant.tz).date()
            query = parse_gaql(_query_text(body), today)
            batches = await run_in_threadpool(_answer, google, merchant, customer_id, query)
            return JSONResponse(batches)
        except GoogleAdsError as error:
            return error.response(version)

    @router.get("/{version}/customers:listAccessibleCustomers")
    def list_accessible_customers(version: str, request: Request) -> JSONResponse:
        try:
            if not _VERSION.fullmatch(version):
                raise GoogleAdsError("NOT_FOUND")
            merchant = _authenticate(google, request)
            return JSONResponse(
                {
                    "resourceNames": [
                        f"customers/{customer_id}"
                        for customer_id in google.accessible_customers(merchant)
                    ]
                }
            )
        except GoogleAdsError as error:
            return error.response(version)

    return router


def build_google_oauth_router(world: World) -> APIRouter:
    """Routes meant to be mounted at `/google-oauth`: Google's OAuth 2.0 consent screen
    (accounts.google.com/o/oauth2/v2/auth) and token endpoint (oauth2.googleapis.com/token)."""
    google = GoogleAdsWorld.of(world)
    router = APIRouter(tags=["google oauth simulator"])

    @router.get("/auth")
    def consent(request: Request) -> Response:
        params = request.query_params
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != OAUTH_CLIENT_ID or not redirect_uri:
            return _oauth_error(400, "invalid_request", "Error 400: invalid_request")
        if ADWORDS_SCOPE not in params.get("scope", "").split():
            return _oauth_error(400, "invalid_scope", "Some requested scopes were invalid.")
        merchant = signed_in(world.merchants, params.get(SIM_LOGIN_PARAM))
        if merchant is None:
            if wants_page(request):
                return sign_in_page("Google", request, world.merchants)
            return _oauth_error(401, "login_required", "Sign in to your Google Account.")
        answer: dict[str, str] = (
            {"error": "access_denied"}
            if google.consent_denied
            else {
                "code": google.codes.issue(merchant, redirect_uri),
                "scope": ADWORDS_SCOPE,
                # Kept with the code: the token exchange grants a refresh token only for it.
                "access_type": params.get("access_type", "online"),
            }
        )
        if "state" in params:
            answer["state"] = params["state"]
        offline = answer.pop("access_type", None) == "offline"
        if "code" in answer and not offline:
            google.online_codes.add(answer["code"])
        return RedirectResponse(f"{redirect_uri}?{urlencode(answer)}", status_code=302)

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
        if form.get("grant_type") == "authorization_code":
            return _exchange_code(google, form)
        if form.get("grant_type") != "refresh_token":
            return _oauth_error(
                400, "unsupported_grant_type", f"Invalid grant_type: {form.get('grant_type', '')}"
            )
        if not form.get("refresh_token"):
            return _oauth_error(400, "invalid_request", "Missing required parameter: refresh_token")
        merchant = google.merchant_by_refresh_token(form["refresh_token"])
        if merchant is None:
            return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        issued = google.issue_access_token(merchant, grant=form["refresh_token"])
        return JSONResponse(
            {
                "access_token": issued.token,
                "expires_in": int(google.access_token_lifetime.total_seconds()),
                "scope": ADWORDS_SCOPE,
                "token_type": "Bearer",
            }
        )

    @router.post("/revoke")
    async def revoke(request: Request) -> JSONResponse:
        """oauth2.googleapis.com/revoke: the token in the query string or the form body."""
        form = parse_qs((await request.body()).decode(errors="replace"))
        token = request.query_params.get("token") or next(iter(form.get("token", [])), "")
        if not token or not google.revoke(token):
            return _oauth_error(400, "invalid_token", "Token expired or revoked")
        return JSONResponse({})

    return router


def _exchange_code(google: GoogleAdsWorld, form: dict[str, str]) -> JSONResponse:
    code = form.get("code", "")
    merchant = google.codes.redeem(code, form.get("redirect_uri", ""))
    if merchant is None:
        return _oauth_error(400, "invalid_grant", "Malformed auth code.")
    # Only an offline consent comes with a refresh token.
    refresh_token = None if code in google.online_codes else google.grant_refresh_token(merchant)
    issued = google.issue_access_token(merchant, grant=refresh_token)
    body: dict[str, Any] = {
        "access_token": issued.token,
        "expires_in": int(google.access_token_lifetime.total_seconds()),
        "scope": ADWORDS_SCOPE,
        "token_type": "Bearer",
    }
    if refresh_token is not None:
        body["refresh_token"] = refresh_token
    return JSONResponse(body)


def _authorize(google: GoogleAdsWorld, request: Request, customer_id: str) -> Merchant:
    issued_merchant = _authenticate(google, request)
    if not _CUSTOMER_ID.fullmatch(customer_id):
        raise GoogleAdsError(
            "INVALID_ARGUMENT",
            {"requestError": "INVALID_CUSTOMER_ID"},
            "Customer id is invalid: it must be 10 digits without dashes.",
        )
    # Without the header Google logs in as the operating customer itself; a client of a manager
    # the user reaches only through the manager is then refused.
    login_customer_id = request.headers.get("login-customer-id") or customer_id
    if not google.may_read(issued_merchant, customer_id, login_customer_id):
        raise GoogleAdsError(
            "PERMISSION_DENIED",
            {"authorizationError": "USER_PERMISSION_DENIED"},
            "User doesn't have permission to access customer. Note: If you're accessing a "
            "client customer, the manager's customer id must be set in the 'login-customer-id' "
            "header. See https://developers.google.com/google-ads/api/docs/concepts/"
            "call-structure#cid",
        )
    return issued_merchant


def _authenticate(google: GoogleAdsWorld, request: Request) -> Merchant:
    """The user of the request's access token, once the token and developer token pass."""
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
    return issued.merchant


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


def _answer(
    google: GoogleAdsWorld, merchant: Merchant, customer_id: str, query: Query
) -> list[dict[str, Any]]:
    if query.resource == "customer_client":
        results = [
            _customer_client_row(customer_id, client, query.fields)
            for client in google.customer_clients(customer_id)
            if query.admits_level(client.level)
        ]
    elif query.resource == "customer" and query.date_range is None:
        results = [_customer_row(google.customer_clients(customer_id)[0], query.fields)]
    elif google.is_manager(customer_id):
        # A manager has no campaigns of its own, so none to list or report on.
        if query.date_range is not None:
            raise query_error(
                "REQUESTED_METRICS_FOR_MANAGER",
                "Metrics cannot be requested for a manager account. To retrieve metrics, "
                "issue separate requests against each client account under the manager account.",
            )
        results = []
    elif query.date_range is None:
        results = _object_rows(google, merchant, query)
    else:
        results = [_rendered(row, merchant, query) for row in _report_rows(google, merchant, query)]
        # Corruption is aimed at the metric rows; the customer lookup stays clean.
        corruptions = google.faults.take_corruptions(len(results))
        for rendered, corruption in zip(results, corruptions, strict=False):
            _corrupt(rendered, corruption)
    field_mask = ",".join(_camel_path(field) for field in query.fields)
    size = google.stream_batch_size
    stream_request_id = request_id()
    batches = [
        {
            "results": results[start : start + size],
            "fieldMask": field_mask,
            "requestId": stream_request_id,
        }
        for start in range(0, len(results), size)
    ]
    return batches or [{"fieldMask": field_mask, "requestId": stream_request_id}]


def _report_rows(google: GoogleAdsWorld, merchant: Merchant, query: Query) -> list[_ReportRow]:
    """The world's hourly ad group rows summed at the query's grain: per object of the resource
    and per value of each selected segment. Rows come in the order their first hour does, so a
    query segmented by date and hour lists (day, ad group, hour) as the world does."""
    assert query.date_range is not None
    object_id = _OBJECT_ID[query.resource]
    segments = query.segments
    grouped: dict[tuple[Any, ...], _ReportRow] = {}
    for hour in google.rows_between(merchant.google_customer_id, *query.date_range):
        values = {segment: _SEGMENT_VALUES[segment](hour) for segment in segments}
        key = (object_id(hour.ad_group), *values.values())
        row = grouped.get(key)
        if row is None:
            grouped[key] = _ReportRow(hour.ad_group, values, hour.metrics)
        else:
            row.metrics = row.metrics + hour.metrics
    return list(grouped.values())


def _object_rows(google: GoogleAdsWorld, merchant: Merchant, query: Query) -> list[dict[str, Any]]:
    """One row per campaign, ad group or ad of the customer, every status included, with the
    attributes selected of it, of its parents and of the customer. A status is the one in force
    now."""
    customer_id = merchant.google_customer_id
    now = google.now()
    groups = {group.ad_group_id: group for group in google.ad_groups(customer_id)}
    campaigns = {campaign.campaign_id: campaign for campaign in google.campaigns(customer_id)}
    objects: list[tuple[Campaign, AdGroup | None, GoogleAd | None]]
    if query.resource == "campaign":
        objects = [(campaign, None, None) for campaign in campaigns.values()]
    elif query.resource == "ad_group":
        objects = [(campaigns[group.campaign_id], group, None) for group in groups.values()]
    else:
        objects = [
            (campaigns[ad.campaign_id], groups[ad.ad_group_id], ad)
            for ad in google.ads(customer_id)
        ]
    rows = []
    for campaign, group, ad in objects:
        values: dict[str, Any] = {
            "campaign.id": campaign.campaign_id,
            "campaign.name": campaign.campaign_name,
            "campaign.status": google.status(campaign.campaign_id, as_of=now).value,
        }
        if group is not None:
            values |= {
                "ad_group.id": group.ad_group_id,
                "ad_group.name": group.ad_group_name,
                "ad_group.status": google.status(group.ad_group_id, as_of=now).value,
            }
        if ad is not None:
            values |= {
                "ad_group_ad.ad.id": ad.ad_id,
                "ad_group_ad.ad.name": ad.ad_name,
                "ad_group_ad.status": google.status(ad.ad_id, as_of=now).value,
            }
        rows.append(_object_row(merchant, campaign, group, ad, values, query.fields))
    for row in rows[: google.faults.take_objects_without_id(len(rows))]:
        _drop_object_id(row, query.resource)
    return rows


def _object_row(
    merchant: Merchant,
    campaign: Campaign,
    group: AdGroup | None,
    ad: GoogleAd | None,
    values: dict[str, Any],
    fields: tuple[str, ...],
) -> dict[str, Any]:
    """The row of one object as Google nests it: a message per resource selected from, each
    with its resource name (an ad's too, inside its ad group ad)."""
    customer_id = merchant.google_customer_id
    names = {
        "customer": f"customers/{customer_id}",
        "campaign": f"customers/{customer_id}/campaigns/{campaign.campaign_id}",
    }
    if group is not None:
        names["adGroup"] = f"customers/{customer_id}/adGroups/{group.ad_group_id}"
    if ad is not None:
        names["adGroupAd"] = f"customers/{customer_id}/adGroupAds/{ad.ad_group_id}~{ad.ad_id}"
    row: dict[str, Any] = {}
    for field in fields:
        resource, *path = (_camel(part) for part in field.split("."))
        message = row.setdefault(resource, {"resourceName": names[resource]})
        if resource == "adGroupAd" and path[0] == "ad" and ad is not None:
            message = message.setdefault(
                "ad", {"resourceName": f"customers/{customer_id}/ads/{ad.ad_id}"}
            )
            path = path[1:]
        value = _CUSTOMER_FIELDS[field](merchant) if field in _CUSTOMER_FIELDS else values[field]
        # proto3 JSON leaves an empty string out, as Google does for an ad without a name.
        if value != "":
            message[path[0]] = value
    return row


def _customer_row(customer: CustomerClient, fields: tuple[str, ...]) -> dict[str, Any]:
    values = {
        "customer.id": customer.customer_id,
        "customer.descriptive_name": customer.descriptive_name,
        "customer.currency_code": customer.currency_code,
        "customer.time_zone": customer.time_zone,
    }
    row = {"resourceName": f"customers/{customer.customer_id}"}
    for field in fields:
        row[_camel(field.split(".", 1)[1])] = values[field]
    return {"customer": row}


def _customer_client_row(
    customer_id: str, customer: CustomerClient, fields: tuple[str, ...]
) -> dict[str, Any]:
    """One customer of the hierarchy under `customer_id`, as the row Google streams for it."""
    values: dict[str, Any] = {
        "customer_client.id": customer.customer_id,  # int64: a JSON string
        "customer_client.client_customer": f"customers/{customer.customer_id}",
        "customer_client.level": str(customer.level),  # int64 too
        "customer_client.manager": customer.manager,
        "customer_client.descriptive_name": customer.descriptive_name,
        "customer_client.currency_code": customer.currency_code,
        "customer_client.time_zone": customer.time_zone,
        "customer_client.status": "ENABLED",
    }
    client = {"resourceName": f"customers/{customer_id}/customerClients/{customer.customer_id}"}
    for field in fields:
        client[_camel(field.split(".", 1)[1])] = values[field]
    return {"customerClient": client}


def _rendered(row: _ReportRow, merchant: Merchant, query: Query) -> dict[str, Any]:
    customer_id = merchant.google_customer_id
    group = row.ad_group
    rendered: dict[str, dict[str, Any]] = {
        "campaign": {"resourceName": f"customers/{customer_id}/campaigns/{group.campaign_id}"},
        "adGroup": {"resourceName": f"customers/{customer_id}/adGroups/{group.ad_group_id}"},
        "customer": {"resourceName": f"customers/{customer_id}"},
        "segments": {},
        "metrics": {},
    }
    for field in query.fields:
        resource, attribute = (_camel(part) for part in field.split(".", 1))
        if field in _CUSTOMER_FIELDS:
            rendered[resource][attribute] = _CUSTOMER_FIELDS[field](merchant)
        elif field in _ATTRIBUTES:
            rendered[resource][attribute] = _ATTRIBUTES[field](group)
        elif field in _SEGMENT_VALUES:
            rendered[resource][attribute] = row.segments[field]
        else:
            rendered[resource][attribute] = _METRIC_VALUES[field](row.metrics)
    # Google returns only the resources the query selected something from.
    selected = {_camel(field.split(".", 1)[0]) for field in query.fields}
    return {resource: values for resource, values in rendered.items() if resource in selected}


def _corrupt(row: dict[str, Any], corruption: RowCorruption) -> None:
    if corruption is RowCorruption.NON_NUMERIC_COST:
        row.setdefault("metrics", {})["costMicros"] = "n/a"
    else:
        row.setdefault("adGroup", {}).pop("id", None)


def _drop_object_id(row: dict[str, Any], resource: str) -> None:
    if resource == "ad_group_ad":
        row.get("adGroupAd", {}).get("ad", {}).pop("id", None)
    else:
        row.get(_camel(resource), {}).pop("id", None)


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


def _oauth_error(status_code: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status_code)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _camel_path(field: str) -> str:
    return ".".join(_camel(part) for part in field.split("."))
