"""Meta Marketing (Graph) API, as much of it as metricx reads, in the real wire format.

Mounted under `/meta`, so `https://graph.facebook.com/v21.0/...` becomes `{sim}/meta/v21.0/...`.
Serves the ad account, insights (synchronously and as async report runs, at any level, period
and with or without the hourly breakdown), campaigns, ad sets and ads, and answers with the
faults armed on `world.faults` (Meta's). Parameters are read as Graph reads them from any client
(`graph_params`): our connector's comma lists in the query string as well as Meta's own SDK's
JSON arrays and form bodies.
"""

from __future__ import annotations

import bisect
import json
import re
import time
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from simulator.merchants import Merchant
from simulator.meta_ads.faults import MetaEndpoint, MetaFailure, MetaFault, UsageHeader
from simulator.meta_ads.graph_errors import GraphError, invalid, not_found
from simulator.meta_ads.graph_params import (
    GraphParams,
    decode_cursor,
    encode_cursor,
    limit_param,
    list_param,
    read_params,
)
from simulator.meta_ads.insights import UNKNOWN_FIELD, PageRequest, insights_page
from simulator.meta_ads.insights_query import HIDDEN_UNLESS_ASKED, InsightsQuery
from simulator.meta_ads.report_runs import ReportRun, ReportRuns
from simulator.meta_ads.world import MetaAdsWorld

_VERSION = re.compile(r"v\d+\.\d+")
_ACCOUNT_FIELDS = frozenset({"id", "account_id", "name", "currency", "timezone_name"})
_COMMON_ENTITY_FIELDS = (
    "id",
    "account_id",
    "name",
    "status",
    "effective_status",
    "created_time",
    "updated_time",
)
_ENTITY_FIELDS = {
    "campaigns": frozenset({*_COMMON_ENTITY_FIELDS, "daily_budget", "lifetime_budget"}),
    "adsets": frozenset({*_COMMON_ENTITY_FIELDS, "campaign_id", "daily_budget", "lifetime_budget"}),
    "ads": frozenset({*_COMMON_ENTITY_FIELDS, "campaign_id", "adset_id"}),
}
_ENTITY_NODE_TYPES = {"campaigns": "Campaign", "adsets": "AdSet", "ads": "Ad"}
# The effective statuses each level has (Marketing API reference: Campaign, Ad Set, Ad). A
# listing without `effective_status` leaves DELETED and ARCHIVED objects out.
_CAMPAIGN_STATUSES = frozenset(
    {"ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES"}
)
_EFFECTIVE_STATUSES = {
    "campaigns": _CAMPAIGN_STATUSES,
    "adsets": _CAMPAIGN_STATUSES | {"CAMPAIGN_PAUSED"},
    "ads": _CAMPAIGN_STATUSES
    | {
        "CAMPAIGN_PAUSED",
        "ADSET_PAUSED",
        "PENDING_REVIEW",
        "DISAPPROVED",
        "PREAPPROVED",
        "PENDING_BILLING_INFO",
    },
}
_THROTTLE_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
}


async def _body(request: Request) -> bytes:
    """The raw request body, read on the event loop so the (synchronous) routes can parse it."""
    return await request.body()


RequestBody = Annotated[bytes, Depends(_body)]


def build_meta_router(meta: MetaAdsWorld) -> APIRouter:
    """Routes meant to be mounted at `/meta`.

    Routes on `act_{id}` are declared before the bare `/{object_id}` ones (report runs), which
    would otherwise match them.
    """
    router = APIRouter(tags=["meta simulator"])
    report_runs = ReportRuns()

    @router.get("/{version}/me/adaccounts")
    def my_ad_accounts(version: str, request: Request) -> JSONResponse:
        """The ad accounts the token's user can reach: each merchant reaches their own."""
        try:
            params = request.query_params
            _check_version(version)
            merchant = _token_holder(meta, request, params)
            accounts = [_account_body(meta, merchant, params)]
            cursor = encode_cursor("0")
            return JSONResponse(
                {"data": accounts, "paging": {"cursors": {"before": cursor, "after": cursor}}}
            )
        except GraphError as error:
            return error.response()

    @router.get("/{version}/me")
    def me(version: str, request: Request) -> JSONResponse:
        """The token's user: their app-scoped id (and name when asked, as Graph's default)."""
        try:
            _check_version(version)
            merchant = _token_holder(meta, request, request.query_params)
            fields = request.query_params.get("fields", "id,name").split(",")
            user = {"id": merchant.meta_user_id, "name": f"{merchant.name} owner"}
            return JSONResponse({name: user[name] for name in fields if name in user})
        except GraphError as error:
            return error.response()

    @router.get("/{version}/act_{account_id}")
    def ad_account(version: str, account_id: str, request: Request) -> JSONResponse:
        try:
            params = request.query_params
            merchant = _admit(meta, request, params, version, account_id, MetaEndpoint.ACCOUNT)
            return JSONResponse(_account_body(meta, merchant, params))
        except GraphError as error:
            return error.response()

    @router.get("/{version}/act_{account_id}/insights")
    def insights(version: str, account_id: str, request: Request) -> JSONResponse:
        try:
            params = request.query_params
            merchant = _admit(meta, request, params, version, account_id, MetaEndpoint.INSIGHTS)
            query = InsightsQuery.parse(params, today=_account_today(meta, merchant))
            page = insights_page(
                meta,
                merchant.meta_account_id,
                query,
                PageRequest.parse(params),
                as_of=meta.now(),
                next_url=lambda after: _next_url(request, after),
            )
            return JSONResponse(page)
        except GraphError as error:
            return error.response()

    @router.post("/{version}/act_{account_id}/insights")
    def create_report_run(
        version: str, account_id: str, request: Request, body: RequestBody
    ) -> JSONResponse:
        try:
            # Meta's SDK sends a report run's parameters in the form body (and its token in
            # the query string); others may use the query string or a JSON body.
            params = read_params(
                request.query_params, request.headers.get("content-type", ""), body
            )
            merchant = _admit(meta, request, params, version, account_id, MetaEndpoint.INSIGHTS)
            run = report_runs.create(
                account_id=merchant.meta_account_id,
                query=InsightsQuery.parse(params, today=_account_today(meta, merchant)),
                as_of=meta.now(),
                end=meta.faults.take_meta_report_run_end(),
            )
            return JSONResponse({"report_run_id": run.run_id})
        except GraphError as error:
            return error.response()

    @router.get("/{version}/act_{account_id}/{edge}")
    def entities(version: str, account_id: str, edge: str, request: Request) -> JSONResponse:
        try:
            if edge not in _ENTITY_FIELDS:
                raise GraphError(400, 2500, f"Unknown path components: /{edge}")
            merchant = _admit(
                meta, request, request.query_params, version, account_id, MetaEndpoint.ENTITIES
            )
            return JSONResponse(_entities_page(meta, merchant, edge, request))
        except GraphError as error:
            return error.response()

    @router.get("/{version}/{report_run_id}")
    def report_run_status(version: str, report_run_id: str, request: Request) -> JSONResponse:
        try:
            run, _ = _admit_report_run(meta, report_runs, request, version, report_run_id)
            status = report_runs.poll(run.run_id)
            fields = list_param(request.query_params, "fields")
            if fields:
                # Graph answers the fields asked for (and the id); a field the run has no
                # value for is left out.
                status = {
                    name: value for name, value in status.items() if name in fields or name == "id"
                }
            return JSONResponse(status)
        except GraphError as error:
            return error.response()

    @router.get("/{version}/{report_run_id}/insights")
    def report_run_insights(version: str, report_run_id: str, request: Request) -> JSONResponse:
        try:
            run, merchant = _admit_report_run(meta, report_runs, request, version, report_run_id)
            if not report_runs.completed(run.run_id):
                raise invalid(f"(#100) Report run {run.run_id} has not completed")
            page = insights_page(
                meta,
                merchant.meta_account_id,
                run.query,
                PageRequest.parse(request.query_params),
                as_of=run.as_of,
                next_url=lambda after: _next_url(request, after),
            )
            return JSONResponse(page)
        except GraphError as error:
            return error.response()

    return router


# -- admission: version, token, account, injected faults ------------------------------------


def _admit(
    meta: MetaAdsWorld,
    request: Request,
    params: GraphParams,
    version: str,
    account_id: str,
    endpoint: MetaEndpoint,
) -> Merchant:
    _check_version(version)
    merchant = _token_holder(meta, request, params)
    if merchant.meta_account_id != account_id:
        raise not_found(f"act_{account_id}")
    _inject(meta.faults.take_meta_failure(account_id, endpoint), account_id)
    return merchant


def _admit_report_run(
    meta: MetaAdsWorld, report_runs: ReportRuns, request: Request, version: str, report_run_id: str
) -> tuple[ReportRun, Merchant]:
    _check_version(version)
    merchant = _token_holder(meta, request, request.query_params)
    run = report_runs.get(report_run_id)
    if run is None or run.account_id != merchant.meta_account_id:
        raise not_found(report_run_id)
    _inject(meta.faults.take_meta_failure(run.account_id, MetaEndpoint.INSIGHTS), run.account_id)
    return run, merchant


def _token_holder(meta: MetaAdsWorld, request: Request, params: GraphParams) -> Merchant:
    """The merchant whose token the request carries, as a header (preferred: a token in a URL
    ends up in logs) or, as Graph also accepts, in the `access_token` parameter."""
    token = params.get("access_token")
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() in ("bearer", "oauth") and credentials.strip():
        token = credentials.strip()
    if not token:
        raise GraphError(400, 190, "An access token is required to request this resource.")
    holder = meta.merchant_by_token(token)
    if holder is None:
        raise GraphError(400, 190, "Invalid OAuth access token - Cannot parse access token")
    if meta.faults.meta_token_expired(holder.meta_account_id):
        now = meta.now()
        raise GraphError(
            400,
            190,
            "Error validating access token: Session has expired on "
            f"{_graph_clock(now - timedelta(hours=1))}. The current time is {_graph_clock(now)}.",
            subcode=463,
        )
    return holder


def _inject(failure: MetaFailure | None, account_id: str) -> None:
    if failure is None:
        return
    if failure.kind is MetaFault.TIMEOUT:
        # Held past the client's timeout. The client is gone by then, so nothing is computed
        # for it (which would also consume row faults armed meanwhile): a gateway timeout.
        time.sleep(failure.delay_seconds)
        raise GraphError(504, 2, "Gateway timeout", is_transient=True)
    if failure.kind is MetaFault.SERVER_ERROR:
        raise GraphError(
            500,
            2,
            "An unexpected error has occurred. Please retry your request later.",
            is_transient=True,
        )
    raise GraphError(
        400,
        failure.code,
        _THROTTLE_MESSAGES.get(
            failure.code,
            f"(#{failure.code}) There have been too many calls to this ad-account. Wait a bit "
            "and try again.",
        ),
        subcode=2446079,
        is_transient=True,
        headers={failure.usage_header.value: json.dumps(_usage(failure, account_id))},
    )


def _usage(failure: MetaFailure, account_id: str) -> object:
    if failure.usage_header is UsageHeader.AD_ACCOUNT:
        return {
            "acc_id_util_pct": 100,
            "reset_time_duration": failure.regain_minutes * 60,
            "ads_api_access_tier": "standard_access",
        }
    if failure.usage_header is UsageHeader.APP:
        return {"call_count": 100, "total_cputime": 35, "total_time": 60}
    return {
        account_id: [
            {
                "type": "ads_insights",
                "call_count": 100,
                "total_cputime": 40,
                "total_time": 70,
                "estimated_time_to_regain_access": failure.regain_minutes,
                "ads_api_access_tier": "standard_access",
            }
        ]
    }


# -- ad account ------------------------------------------------------------------------------


def _account_body(meta: MetaAdsWorld, merchant: Merchant, params: GraphParams) -> dict[str, str]:
    fields = list_param(params, "fields") or ("account_id",)
    unknown = [field for field in fields if field not in _ACCOUNT_FIELDS]
    if unknown:
        raise invalid(
            f"(#100) Tried accessing nonexisting field ({unknown[0]}) on node type (AdAccount)"
        )
    values = {
        "id": f"act_{merchant.meta_account_id}",
        "account_id": merchant.meta_account_id,
        "name": merchant.name,
        "currency": meta.account_currency(merchant.meta_account_id),
        "timezone_name": merchant.timezone,
    }
    body = {field: values[field] for field in fields}
    body["id"] = values["id"]
    return body


def _account_today(meta: MetaAdsWorld, merchant: Merchant) -> date:
    """The account-local date, which date presets count from."""
    return meta.now().astimezone(merchant.tz).date()


# -- campaigns, ad sets, ads -----------------------------------------------------------------


def _entities_page(
    meta: MetaAdsWorld, merchant: Merchant, edge: str, request: Request
) -> dict[str, Any]:
    params = request.query_params
    fields = list_param(params, "fields") or ("id",)
    unknown = [field for field in fields if field not in _ENTITY_FIELDS[edge]]
    if unknown:
        raise invalid(
            f"(#100) Tried accessing nonexisting field ({unknown[0]}) on node type "
            f"({_ENTITY_NODE_TYPES[edge]})"
        )
    statuses = _effective_statuses(params, edge)
    entities = [
        entity
        for entity in _entity_values(meta, merchant.meta_account_id, edge)
        if entity["effective_status"] in statuses
    ]
    ids = [entity["id"] for entity in entities]
    start = 0
    if "after" in params:
        try:
            start = bisect.bisect_right(ids, decode_cursor(params["after"]))
        except ValueError as exc:
            raise invalid("(#100) Invalid cursor: after") from exc
    limit = limit_param(params)
    page = entities[start : start + limit]

    data = []
    for entity in page:
        rendered = {field: entity[field] for field in fields if field in entity}
        rendered["id"] = entity["id"]
        if meta.faults.unknown_meta_fields:
            rendered[UNKNOWN_FIELD] = "0.42"
        data.append(rendered)
    body: dict[str, Any] = {"data": data}
    if page:
        cursors = {"before": encode_cursor(page[0]["id"]), "after": encode_cursor(page[-1]["id"])}
        body["paging"] = {"cursors": cursors}
        if start + limit < len(entities):
            body["paging"]["next"] = _next_url(request, cursors["after"])
    return body


def _entity_values(meta: MetaAdsWorld, account_id: str, edge: str) -> list[dict[str, str]]:
    """Every object of the edge as Meta renders it, ordered by id."""
    if edge == "campaigns":
        return [
            _entity(c.campaign_id, account_id, c.name, c.created_time, c.daily_budget_cents)
            for c in meta.campaigns(account_id)
        ]
    if edge == "adsets":
        return [
            {
                **_entity(s.adset_id, account_id, s.name, s.created_time, s.daily_budget_cents),
                "campaign_id": s.campaign_id,
            }
            for s in meta.adsets(account_id)
        ]
    ads = []
    for ad in meta.ads(account_id):
        # Every object of the world delivers, so all are active until an ad is deleted.
        status = meta.effective_status(ad.ad_id)
        updated = meta.deleted_at(ad.ad_id) if status == "DELETED" else None
        ads.append(
            {
                **_entity(ad.ad_id, account_id, ad.ad_name, ad.created_time, None, status, updated),
                "campaign_id": ad.campaign_id,
                "adset_id": ad.adset_id,
            }
        )
    return ads


def _entity(
    object_id: str,
    account_id: str,
    name: str,
    created: datetime,
    daily_budget_cents: int | None,
    status: str = "ACTIVE",
    updated: datetime | None = None,
) -> dict[str, str]:
    entity = {
        "id": object_id,
        "account_id": account_id,
        "name": name,
        "status": status,
        "effective_status": status,
        "created_time": _graph_timestamp(created),
        "updated_time": _graph_timestamp(updated or created),
    }
    if daily_budget_cents is not None:
        # Budgets are strings in the currency's minor unit; an unset one reads "0".
        entity["daily_budget"] = str(daily_budget_cents)
        entity["lifetime_budget"] = "0"
    return entity


def _effective_statuses(params: GraphParams, edge: str) -> frozenset[str]:
    """The statuses an edge listing answers: its `effective_status` parameter's, or every one
    but DELETED and ARCHIVED."""
    known = _EFFECTIVE_STATUSES[edge]
    asked = list_param(params, "effective_status")
    if asked is None:
        return known - HIDDEN_UNLESS_ASKED
    unknown = [status for status in asked if status not in known]
    if unknown:
        raise invalid(
            f"(#100) Param effective_status[{asked.index(unknown[0])}] must be one of "
            f"{{{', '.join(sorted(known))}}}"
        )
    return frozenset(asked)


# -- wire details ----------------------------------------------------------------------------


def _next_url(request: Request, after: str) -> str:
    return str(request.url.include_query_params(after=after))


def _graph_timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


def _graph_clock(moment: datetime) -> str:
    return moment.strftime("%A, %d-%b-%y %H:%M:%S UTC")


def _check_version(version: str) -> None:
    if not _VERSION.fullmatch(version):
        raise GraphError(400, 2500, f"Unknown path components: /{version}")
