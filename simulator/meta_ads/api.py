"""Meta Marketing (Graph) API, as much of it as metricx reads, in the real wire format.

Mounted under `/meta`, so `https://graph.facebook.com/v21.0/...` becomes `{sim}/meta/v21.0/...`.
Serves the ad account, ad-level hourly insights (synchronously and as async report runs),
campaigns, ad sets and ads, and answers with the faults armed on `world.faults` (Meta's).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from simulator.merchants import Merchant
from simulator.meta_ads.faults import MetaEndpoint, MetaFailure, MetaFault, RowDefect, UsageHeader
from simulator.meta_ads.report_runs import ReportRun, ReportRuns
from simulator.meta_ads.world import HourDelivery, MetaAdsWorld

HOURLY_BREAKDOWN = "hourly_stats_aggregated_by_advertiser_time_zone"
# One purchase is reported under all three names, as Meta does for pixel purchases.
PURCHASE_ACTION_TYPES = ("omni_purchase", "purchase", "offsite_conversion.fb_pixel_purchase")
# What the `unknown_meta_fields` fault adds: a field and an action type no client asked for.
UNKNOWN_FIELD = "estimated_purchase_uplift_v2027"
UNKNOWN_ACTION_TYPE = "onsite_conversion.purchase_v2027"

_VERSION = re.compile(r"v\d+\.\d+")
_DEFAULT_LIMIT = 25
_MAX_LIMIT = 500
_ACCOUNT_FIELDS = frozenset({"id", "account_id", "name", "currency", "timezone_name"})
_INSIGHTS_FIELDS = frozenset(
    {
        "account_id",
        "campaign_id",
        "campaign_name",
        "adset_id",
        "adset_name",
        "ad_id",
        "ad_name",
        "spend",
        "impressions",
        "inline_link_clicks",
        "actions",
        "action_values",
        "account_currency",
    }
)
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
_THROTTLE_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
}


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


def build_meta_router(meta: MetaAdsWorld) -> APIRouter:
    """Routes meant to be mounted at `/meta`.

    Routes on `act_{id}` are declared before the bare `/{object_id}` ones (report runs), which
    would otherwise match them.
    """
    router = APIRouter(tags=["meta simulator"])
    report_runs = ReportRuns()

    @router.get("/{version}/act_{account_id}")
    def ad_account(version: str, account_id: str, request: Request) -> JSONResponse:
        try:
            merchant = _admit(meta, request, version, account_id, MetaEndpoint.ACCOUNT)
            return JSONResponse(_account_body(meta, merchant, request))
        except GraphError as error:
            return error.response()

    @router.get("/{version}/act_{account_id}/insights")
    def insights(version: str, account_id: str, request: Request) -> JSONResponse:
        try:
            merchant = _admit(meta, request, version, account_id, MetaEndpoint.INSIGHTS)
            query = _InsightsQuery.parse(request.query_params)
            return JSONResponse(_insights_page(meta, merchant, query, request, as_of=meta.now()))
        except GraphError as error:
            return error.response()

    @router.post("/{version}/act_{account_id}/insights")
    def create_report_run(version: str, account_id: str, request: Request) -> JSONResponse:
        try:
            merchant = _admit(meta, request, version, account_id, MetaEndpoint.INSIGHTS)
            query = _InsightsQuery.parse(request.query_params)
            run = report_runs.create(
                account_id=merchant.meta_account_id,
                fields=query.fields,
                since=query.since,
                until=query.until,
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
            merchant = _admit(meta, request, version, account_id, MetaEndpoint.ENTITIES)
            return JSONResponse(_entities_page(meta, merchant, edge, request))
        except GraphError as error:
            return error.response()

    @router.get("/{version}/{report_run_id}")
    def report_run_status(version: str, report_run_id: str, request: Request) -> JSONResponse:
        try:
            run, _ = _admit_report_run(meta, report_runs, request, version, report_run_id)
            return JSONResponse(report_runs.poll(run.run_id))
        except GraphError as error:
            return error.response()

    @router.get("/{version}/{report_run_id}/insights")
    def report_run_insights(version: str, report_run_id: str, request: Request) -> JSONResponse:
        try:
            run, merchant = _admit_report_run(meta, report_runs, request, version, report_run_id)
            if not report_runs.completed(run.run_id):
                raise _invalid(f"(#100) Report run {run.run_id} has not completed")
            query = _InsightsQuery(
                fields=run.fields,
                since=run.since,
                until=run.until,
                limit=_limit(request.query_params.get("limit")),
                after=_decode_row_cursor(request.query_params.get("after")),
            )
            return JSONResponse(_insights_page(meta, merchant, query, request, as_of=run.as_of))
        except GraphError as error:
            return error.response()

    return router


# -- admission: version, token, account, injected faults ------------------------------------


def _admit(
    meta: MetaAdsWorld, request: Request, version: str, account_id: str, endpoint: MetaEndpoint
) -> Merchant:
    _check_version(version)
    merchant = _token_holder(meta, request)
    if merchant.meta_account_id != account_id:
        raise _not_found(f"act_{account_id}")
    _inject(meta.faults.take_meta_failure(account_id, endpoint), account_id)
    return merchant


def _admit_report_run(
    meta: MetaAdsWorld, report_runs: ReportRuns, request: Request, version: str, report_run_id: str
) -> tuple[ReportRun, Merchant]:
    _check_version(version)
    merchant = _token_holder(meta, request)
    run = report_runs.get(report_run_id)
    if run is None or run.account_id != merchant.meta_account_id:
        raise _not_found(report_run_id)
    _inject(meta.faults.take_meta_failure(run.account_id, MetaEndpoint.INSIGHTS), run.account_id)
    return run, merchant


def _token_holder(meta: MetaAdsWorld, request: Request) -> Merchant:
    """The merchant whose token the request carries, as a header (preferred: a token in a URL
    ends up in logs) or, as Graph also accepts, in the `access_token` parameter."""
    token = request.query_params.get("access_token")
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


def _account_body(meta: MetaAdsWorld, merchant: Merchant, request: Request) -> dict[str, str]:
    fields = _field_list(request.query_params, default=("account_id",))
    unknown = [field for field in fields if field not in _ACCOUNT_FIELDS]
    if unknown:
        raise _invalid(
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


# -- insights --------------------------------------------------------------------------------

RowKey = tuple[date, str, int]  # (day, ad id, hour): ad ids are fixed-width digit strings


@dataclass(frozen=True)
class _InsightsQuery:
    fields: tuple[str, ...]
    since: date
    until: date
    limit: int
    after: RowKey | None

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> _InsightsQuery:
        fields = _field_list(params, default=("impressions", "spend"))
        unknown = sorted(set(fields) - _INSIGHTS_FIELDS)
        if unknown:
            raise _invalid(
                f"(#100) {unknown[0]} is not valid for fields param. please check "
                "https://developers.facebook.com/docs/marketing-api/reference/ads-insights/ "
                "for all valid values"
            )
        # Only the shape metricx asks for is simulated; anything else is refused rather than
        # answered with data of the wrong shape.
        for name, expected in (
            ("level", "ad"),
            ("time_increment", "1"),
            ("breakdowns", HOURLY_BREAKDOWN),
        ):
            if params.get(name) != expected:
                raise _invalid(f"(#100) The simulator only supports {name}={expected}")
        since, until = _time_range(params.get("time_range"))
        return cls(
            tuple(fields),
            since,
            until,
            _limit(params.get("limit")),
            _decode_row_cursor(params.get("after")),
        )


def _insights_page(
    meta: MetaAdsWorld,
    merchant: Merchant,
    query: _InsightsQuery,
    request: Request,
    *,
    as_of: datetime,
) -> dict[str, Any]:
    rows = _rows_after(meta, merchant.meta_account_id, query, as_of)
    page = list(islice(rows, query.limit))
    more = next(rows, None) is not None

    currencies: dict[date, str] = {}
    data = []
    for row in page:
        if row.local_date not in currencies:
            currencies[row.local_date] = meta.currency(merchant.meta_account_id, row.local_date)
        rendered = _render(row, currencies[row.local_date], query.fields)
        if meta.faults.unknown_meta_fields:
            _add_unknown_fields(rendered)
        defect = meta.faults.take_meta_row_defect()
        data.append(rendered if defect is None else _damage(rendered, defect))

    body: dict[str, Any] = {"data": data}
    if page:
        cursors = {"before": _encode_row_cursor(page[0]), "after": _encode_row_cursor(page[-1])}
        body["paging"] = {"cursors": cursors}
        if more:
            body["paging"]["next"] = _next_url(request, cursors["after"])
    return body


def _rows_after(
    meta: MetaAdsWorld, account_id: str, query: _InsightsQuery, as_of: datetime
) -> Iterator[HourDelivery]:
    """Rows in (day, ad id, hour) order, strictly after the cursor's row.

    Keying the cursor on a row rather than an offset keeps paging duplicate-free when a new
    hour starts between two page requests; starting at the cursor's ad keeps a page's cost
    proportional to the page.
    """
    after = query.after
    day = query.since if after is None else max(query.since, after[0])
    while day <= query.until:
        from_ad_id = after[1] if after is not None and day == after[0] else None
        for row in meta.iter_ad_hours(account_id, day, from_ad_id=from_ad_id, as_of=as_of):
            if after is None or _row_key(row) > after:
                yield row
        day += timedelta(days=1)


def _row_key(row: HourDelivery) -> RowKey:
    return (row.local_date, row.ad.ad_id, row.hour_of_day)


def _encode_row_cursor(row: HourDelivery) -> str:
    return _encode_cursor(f"{row.local_date.isoformat()}|{row.ad.ad_id}|{row.hour_of_day}")


def _decode_row_cursor(cursor: str | None) -> RowKey | None:
    if cursor is None:
        return None
    try:
        day, ad_id, hour = _decode_cursor(cursor).split("|")
        if not ad_id.isdigit():
            raise ValueError(ad_id)
        return (date.fromisoformat(day), ad_id, int(hour))
    except ValueError as exc:
        raise _invalid("(#100) Invalid cursor: after") from exc


def _render(row: HourDelivery, currency: str, fields: tuple[str, ...]) -> dict[str, Any]:
    ad, delivery = row.ad, row.delivery
    actions = []
    action_values = []
    if delivery.link_clicks:
        actions.append({"action_type": "link_click", "value": str(delivery.link_clicks)})
    if delivery.purchases:
        for action_type in PURCHASE_ACTION_TYPES:
            actions.append({"action_type": action_type, "value": str(delivery.purchases)})
            action_values.append(
                {"action_type": action_type, "value": str(delivery.purchase_value)}
            )
    values: dict[str, Any] = {
        "account_id": ad.account_id,
        "campaign_id": ad.campaign_id,
        "campaign_name": ad.campaign_name,
        "adset_id": ad.adset_id,
        "adset_name": ad.adset_name,
        "ad_id": ad.ad_id,
        "ad_name": ad.ad_name,
        "spend": str(delivery.spend),
        "impressions": str(delivery.impressions),
        "inline_link_clicks": str(delivery.link_clicks),
        # Meta leaves an actions list out entirely when nothing happened.
        "actions": actions or None,
        "action_values": action_values or None,
        "account_currency": currency,
    }
    body = {field: values[field] for field in fields if values[field] is not None}
    body["date_start"] = body["date_stop"] = row.local_date.isoformat()
    body[HOURLY_BREAKDOWN] = f"{row.hour_of_day:02d}:00:00 - {row.hour_of_day:02d}:59:59"
    return body


def _add_unknown_fields(body: dict[str, Any]) -> None:
    body[UNKNOWN_FIELD] = "0.42"
    for key in ("actions", "action_values"):
        body[key] = [*body.get(key, []), {"action_type": UNKNOWN_ACTION_TYPE, "value": "99"}]


def _damage(body: dict[str, Any], defect: RowDefect) -> dict[str, Any]:
    if defect is RowDefect.NON_NUMERIC_SPEND:
        return {**body, "spend": "n/a"}
    if defect is RowDefect.MISSING_AD_ID:
        return {key: value for key, value in body.items() if key != "ad_id"}
    if defect is RowDefect.BAD_HOUR:
        return {**body, HOURLY_BREAKDOWN: "24:00:00 - 24:59:59"}
    return dict(islice(body.items(), 3))


# -- campaigns, ad sets, ads -----------------------------------------------------------------


def _entities_page(
    meta: MetaAdsWorld, merchant: Merchant, edge: str, request: Request
) -> dict[str, Any]:
    params = request.query_params
    fields = _field_list(params, default=("id",))
    unknown = [field for field in fields if field not in _ENTITY_FIELDS[edge]]
    if unknown:
        raise _invalid(
            f"(#100) Tried accessing nonexisting field ({unknown[0]}) on node type "
            f"({_ENTITY_NODE_TYPES[edge]})"
        )
    entities = _entity_values(meta, merchant.meta_account_id, edge)
    ids = [entity["id"] for entity in entities]
    start = 0
    if "after" in params:
        try:
            start = bisect.bisect_right(ids, _decode_cursor(params["after"]))
        except ValueError as exc:
            raise _invalid("(#100) Invalid cursor: after") from exc
    limit = _limit(params.get("limit"))
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
        cursors = {"before": _encode_cursor(page[0]["id"]), "after": _encode_cursor(page[-1]["id"])}
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
    return [
        {
            **_entity(ad.ad_id, account_id, ad.ad_name, ad.created_time, None),
            "campaign_id": ad.campaign_id,
            "adset_id": ad.adset_id,
        }
        for ad in meta.ads(account_id)
    ]


def _entity(
    object_id: str, account_id: str, name: str, created: datetime, daily_budget_cents: int | None
) -> dict[str, str]:
    entity = {
        "id": object_id,
        "account_id": account_id,
        "name": name,
        # Every object of the world delivers, so all are active.
        "status": "ACTIVE",
        "effective_status": "ACTIVE",
        "created_time": _graph_timestamp(created),
        "updated_time": _graph_timestamp(created),
    }
    if daily_budget_cents is not None:
        # Budgets are strings in the currency's minor unit; an unset one reads "0".
        entity["daily_budget"] = str(daily_budget_cents)
        entity["lifetime_budget"] = "0"
    return entity


# -- wire details ----------------------------------------------------------------------------


def _next_url(request: Request, after: str) -> str:
    return str(request.url.include_query_params(after=after))


def _encode_cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError(cursor) from exc


def _graph_timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


def _graph_clock(moment: datetime) -> str:
    return moment.strftime("%A, %d-%b-%y %H:%M:%S UTC")


def _check_version(version: str) -> None:
    if not _VERSION.fullmatch(version):
        raise GraphError(400, 2500, f"Unknown path components: /{version}")


def _field_list(params: Mapping[str, str], default: tuple[str, ...]) -> list[str]:
    raw = params.get("fields")
    if not raw:
        return list(default)
    return [field.strip() for field in raw.split(",") if field.strip()]


def _time_range(raw: str | None) -> tuple[date, date]:
    if raw is None:
        raise _invalid("(#100) The simulator requires time_range")
    try:
        parsed = json.loads(raw)
        since = date.fromisoformat(parsed["since"])
        until = date.fromisoformat(parsed["until"])
    except (ValueError, TypeError, KeyError) as exc:
        raise _invalid(
            "(#100) param time_range must be a JSON object with since and until dates"
        ) from exc
    if since > until:
        raise _invalid("(#100) time_range: since must not be after until")
    return since, until


def _limit(raw: str | None) -> int:
    if raw is None:
        return _DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError as exc:
        raise _invalid("(#100) param limit must be an integer") from exc
    if limit < 1:
        raise _invalid("(#100) param limit must be positive")
    return min(limit, _MAX_LIMIT)


def _invalid(message: str) -> GraphError:
    return GraphError(400, 100, message)


def _not_found(object_id: str) -> GraphError:
    # Meta answers the same whether the object is missing or just not shared with you.
    return GraphError(
        400,
        100,
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        subcode=33,
        error_type="GraphMethodException",
    )
