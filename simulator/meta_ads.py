"""Meta Marketing (Graph) API, as much of it as metricx reads, in the real wire format.

Mounted under `/meta`, so `https://graph.facebook.com/v21.0/...` becomes `{sim}/meta/v21.0/...`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import islice
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from simulator.world import HourDelivery, InsightsFailure, InsightsFault, Merchant, World

HOURLY_BREAKDOWN = "hourly_stats_aggregated_by_advertiser_time_zone"
# One purchase is reported under all three names, as Meta does for pixel purchases.
PURCHASE_ACTION_TYPES = ("omni_purchase", "purchase", "offsite_conversion.fb_pixel_purchase")

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


def build_meta_router(world: World) -> APIRouter:
    """Routes meant to be mounted at `/meta`."""
    router = APIRouter(tags=["meta simulator"])

    @router.get("/{version}/act_{account_id}")
    def ad_account(version: str, account_id: str, request: Request) -> JSONResponse:
        try:
            _check_version(version)
            merchant = _authorize(world, request, account_id)
            return JSONResponse(_account_body(merchant, request))
        except GraphError as error:
            return error.response()

    @router.get("/{version}/act_{account_id}/insights")
    def insights(version: str, account_id: str, request: Request) -> JSONResponse:
        try:
            _check_version(version)
            merchant = _authorize(world, request, account_id)
            failure = world.faults.take_meta_insights()
            if failure is not None:
                raise _injected(failure, account_id)
            return JSONResponse(_insights_page(world, merchant, request))
        except GraphError as error:
            return error.response()

    return router


def _account_body(merchant: Merchant, request: Request) -> dict[str, str]:
    fields = _field_list(request, default=("account_id",))
    unknown = [field for field in fields if field not in _ACCOUNT_FIELDS]
    if unknown:
        raise _invalid(
            f"(#100) Tried accessing nonexisting field ({unknown[0]}) on node type (AdAccount)"
        )
    values = {
        "id": f"act_{merchant.meta_account_id}",
        "account_id": merchant.meta_account_id,
        "name": merchant.name,
        "currency": merchant.currency,
        "timezone_name": merchant.timezone,
    }
    body = {field: values[field] for field in fields}
    body["id"] = values["id"]
    return body


def _insights_page(world: World, merchant: Merchant, request: Request) -> dict[str, Any]:
    params = request.query_params
    fields = _field_list(request, default=("impressions", "spend"))
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
    limit = _limit(params.get("limit"))
    after = _decode_cursor(params["after"]) if "after" in params else None

    rows = _rows_after(world, merchant.meta_account_id, since, until, after)
    page = list(islice(rows, limit))
    more = next(rows, None) is not None

    body: dict[str, Any] = {"data": [_render(row, merchant, fields) for row in page]}
    if page:
        cursors = {"before": _encode_cursor(page[0]), "after": _encode_cursor(page[-1])}
        body["paging"] = {"cursors": cursors}
        if more:
            body["paging"]["next"] = str(request.url.include_query_params(after=cursors["after"]))
    return body


def _rows_after(
    world: World,
    account_id: str,
    since: date,
    until: date,
    after: tuple[date, int, int] | None,
) -> Iterator[HourDelivery]:
    """Rows in (day, ad id, hour) order, strictly after the cursor's row.

    Keying the cursor on a row rather than an offset keeps paging duplicate-free when a new
    hour starts between two page requests.
    """
    day = since if after is None else max(since, after[0])
    while day <= until:
        for row in world.meta_ad_hours(account_id, day):
            if after is None or _row_key(row) > after:
                yield row
        day += timedelta(days=1)


def _row_key(row: HourDelivery) -> tuple[date, int, int]:
    return (row.local_date, int(row.ad.ad_id), row.hour_of_day)


def _encode_cursor(row: HourDelivery) -> str:
    raw = f"{row.local_date.isoformat()}|{row.ad.ad_id}|{row.hour_of_day}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[date, int, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        day, ad_id, hour = raw.split("|")
        return (date.fromisoformat(day), int(ad_id), int(hour))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise _invalid("(#100) Invalid cursor: after") from exc


def _render(row: HourDelivery, merchant: Merchant, fields: list[str]) -> dict[str, Any]:
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
        "account_currency": merchant.currency,
    }
    body = {field: values[field] for field in fields if values[field] is not None}
    body["date_start"] = body["date_stop"] = row.local_date.isoformat()
    body[HOURLY_BREAKDOWN] = f"{row.hour_of_day:02d}:00:00 - {row.hour_of_day:02d}:59:59"
    return body


def _check_version(version: str) -> None:
    if not _VERSION.fullmatch(version):
        raise GraphError(400, 2500, f"Unknown path components: /{version}")


def _authorize(world: World, request: Request, account_id: str) -> Merchant:
    token = request.query_params.get("access_token")
    if not token:
        raise GraphError(400, 190, "An access token is required to request this resource.")
    holder = world.merchant_by_meta_token(token)
    if holder is None:
        raise GraphError(400, 190, "Invalid OAuth access token - Cannot parse access token")
    if holder.meta_account_id != account_id:
        # Meta answers the same whether the account is missing or just not shared with you.
        raise GraphError(
            400,
            100,
            f"Unsupported get request. Object with ID 'act_{account_id}' does not exist, "
            "cannot be loaded due to missing permissions, or does not support this operation.",
            subcode=33,
            error_type="GraphMethodException",
        )
    return holder


def _field_list(request: Request, default: tuple[str, ...]) -> list[str]:
    raw = request.query_params.get("fields")
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


def _injected(failure: InsightsFailure, account_id: str) -> GraphError:
    if failure.kind is InsightsFault.SERVER_ERROR:
        return GraphError(
            500,
            2,
            "An unexpected error has occurred. Please retry your request later.",
            is_transient=True,
        )
    usage = {
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
    return GraphError(
        400,
        17,
        "(#17) User request limit reached",
        subcode=2446079,
        is_transient=True,
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )
