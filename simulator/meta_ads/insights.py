"""Insights rows at the grain a query asks for, paged and rendered as the Graph API renders them.

A row is one object of the query's level (account, campaign, ad set, ad) in one period, and,
with the hourly breakdown, one account-local hour of it. Without the breakdown a row sums the
object's hours of the period: a daily row (`time_increment=1`) is the sum of the day's hourly
rows, as Meta's is. Rows come in (period, object id, hour) order; the paging cursor names the
last row served, so a page stays duplicate-free when a new hour starts between two requests.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import Any

from simulator.meta_ads.faults import RowDefect
from simulator.meta_ads.graph_errors import invalid
from simulator.meta_ads.graph_params import (
    GraphParams,
    decode_cursor,
    encode_cursor,
    limit_param,
)
from simulator.meta_ads.insights_query import (
    HOURLY_BREAKDOWN,
    InsightsQuery,
    Level,
    Period,
    at_level,
    entity_id,
)
from simulator.meta_ads.world import Ad, Delivery, HourDelivery, MetaAdsWorld

# One purchase is reported under all three names, as Meta does for pixel purchases.
PURCHASE_ACTION_TYPES = ("omni_purchase", "purchase", "offsite_conversion.fb_pixel_purchase")
# What the `unknown_meta_fields` fault adds: a field and an action type no client asked for.
UNKNOWN_FIELD = "estimated_purchase_uplift_v2027"
UNKNOWN_ACTION_TYPE = "onsite_conversion.purchase_v2027"

# (period start, object id, hour of day, or -1 for a row of the whole period); object ids
# are fixed-width digit strings, so they sort as numbers do.
RowKey = tuple[date, str, int]
_WHOLE_PERIOD = -1


@dataclass(frozen=True)
class InsightRow:
    period: Period
    object_id: str
    ad: Ad  # an ad of the object: the row's ids and names, down to the level
    hour_of_day: int | None  # None without the hourly breakdown
    delivery: Delivery

    @property
    def key(self) -> RowKey:
        hour = _WHOLE_PERIOD if self.hour_of_day is None else self.hour_of_day
        return (self.period[0], self.object_id, hour)


@dataclass(frozen=True)
class PageRequest:
    limit: int
    after: RowKey | None

    @classmethod
    def parse(cls, params: GraphParams) -> PageRequest:
        return cls(limit_param(params), _decode_row_cursor(params.get("after")))


def insights_page(
    meta: MetaAdsWorld,
    account_id: str,
    query: InsightsQuery,
    page_request: PageRequest,
    *,
    as_of: datetime,
    next_url: Callable[[str], str],
) -> dict[str, Any]:
    """One page of the query's rows as of `as_of`; `next_url(after)` links the next page."""
    rows = _rows_after(meta, account_id, query, page_request.after, as_of)
    page = list(islice(rows, page_request.limit))
    more = next(rows, None) is not None

    currencies: dict[date, str] = {}
    data = []
    for row in page:
        start = row.period[0]
        if start not in currencies:
            currencies[start] = meta.currency(account_id, start)
        rendered = _render(row, currencies[start], query)
        if meta.faults.unknown_meta_fields:
            _add_unknown_fields(rendered)
        defect = meta.faults.take_meta_row_defect()
        data.append(rendered if defect is None else _damage(rendered, defect))

    body: dict[str, Any] = {"data": data}
    if page:
        cursors = {"before": _encode_row_cursor(page[0]), "after": _encode_row_cursor(page[-1])}
        body["paging"] = {"cursors": cursors}
        if more:
            body["paging"]["next"] = next_url(cursors["after"])
    return body


def _rows_after(
    meta: MetaAdsWorld,
    account_id: str,
    query: InsightsQuery,
    after: RowKey | None,
    as_of: datetime,
) -> Iterator[InsightRow]:
    """The query's rows in key order, strictly after the cursor's row.

    Periods before the cursor's are skipped unread; at ad level the cursor's period resumes at
    the cursor's ad, so a page's cost stays proportional to the page.
    """
    for period in query.periods():
        if after is not None and period[0] < after[0]:
            continue
        resume = after if after is not None and period[0] == after[0] else None
        from_ad_id = resume[1] if resume is not None and query.level is Level.AD else None
        for row in _period_rows(meta, account_id, query, period, from_ad_id, as_of):
            if resume is None or row.key > resume:
                yield row


def _period_rows(
    meta: MetaAdsWorld,
    account_id: str,
    query: InsightsQuery,
    period: Period,
    from_ad_id: str | None,
    as_of: datetime,
) -> Iterator[InsightRow]:
    ads = (
        (ad, rows)
        for ad, rows in meta.iter_ads_days(account_id, *period, from_ad_id=from_ad_id, as_of=as_of)
        if query.keeps(ad, meta.effective_status(ad.ad_id, as_of=as_of))
    )
    if query.level is Level.AD:
        for ad, rows in ads:
            yield from _aggregate(period, ad.ad_id, [(ad, rows)], hourly=query.hourly)
        return
    # Coarser levels sum every ad of the object: the whole period is read at once.
    by_object: dict[str, list[tuple[Ad, list[HourDelivery]]]] = defaultdict(list)
    for ad, rows in ads:
        by_object[entity_id(ad, query.level)].append((ad, rows))
    for object_id in sorted(by_object):
        yield from _aggregate(period, object_id, by_object[object_id], hourly=query.hourly)


def _aggregate(
    period: Period, object_id: str, ads: list[tuple[Ad, list[HourDelivery]]], *, hourly: bool
) -> list[InsightRow]:
    """The object's rows of the period: one per hour of day with the hourly breakdown (the same
    hour of several days summed), else one; none when nothing was delivered."""
    by_hour: dict[int, Delivery] = {}
    for _, rows in ads:
        for row in rows:
            hour = row.hour_of_day if hourly else _WHOLE_PERIOD
            previous = by_hour.get(hour)
            by_hour[hour] = row.delivery if previous is None else previous + row.delivery
    return [
        InsightRow(period, object_id, ads[0][0], None if hour == _WHOLE_PERIOD else hour, delivery)
        for hour, delivery in sorted(by_hour.items())
    ]


def _encode_row_cursor(row: InsightRow) -> str:
    start, object_id, hour = row.key
    return encode_cursor(f"{start.isoformat()}|{object_id}|{hour}")


def _decode_row_cursor(cursor: str | None) -> RowKey | None:
    if cursor is None:
        return None
    try:
        start, object_id, hour = decode_cursor(cursor).split("|")
        if not object_id.isdigit():
            raise ValueError(object_id)
        return (date.fromisoformat(start), object_id, int(hour))
    except ValueError as exc:
        raise invalid("(#100) Invalid cursor: after") from exc


def _render(row: InsightRow, currency: str, query: InsightsQuery) -> dict[str, Any]:
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
    body = {
        field: values[field]
        for field in query.fields
        if values[field] is not None and at_level(field, query.level)
    }
    body["date_start"] = row.period[0].isoformat()
    body["date_stop"] = row.period[1].isoformat()
    if row.hour_of_day is not None:
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
