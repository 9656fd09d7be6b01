"""What the Meta connector yields, parsed exactly from the Graph API's numbers-as-strings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from orchestration.connectors.quarantine import MalformedRow

HOURLY_BREAKDOWN = "hourly_stats_aggregated_by_advertiser_time_zone"
_HOUR_RANGE = re.compile(r"(\d{2}):00:00 - \1:59:59")


@dataclass(frozen=True)
class MetaAdAccount:
    account_id: str
    name: str
    currency: str
    timezone_name: str

    @classmethod
    def from_graph(cls, payload: Mapping[str, Any]) -> MetaAdAccount:
        return cls(
            account_id=str(payload["account_id"]),
            name=str(payload["name"]),
            currency=str(payload["currency"]),
            timezone_name=str(payload["timezone_name"]),
        )


@dataclass(frozen=True)
class MetaAdInsightHour:
    """One ad's delivery in one hour of the ad account's own time zone.

    `date_start` and `hour_of_day` are account-local, exactly as Meta reports them; `currency`
    is the row's own `account_currency`, which changes when the account's currency does.
    """

    account_id: str
    campaign_id: str
    campaign_name: str
    adset_id: str
    adset_name: str
    ad_id: str
    ad_name: str
    date_start: date
    hour_of_day: int
    spend: Decimal
    impressions: int
    link_clicks: int
    purchases: Decimal
    purchase_value: Decimal
    currency: str

    @classmethod
    def from_graph(cls, row: Mapping[str, Any], purchase_action_type: str) -> MetaAdInsightHour:
        """Parse one insights row with hourly breakdown; fields Meta adds later are ignored.

        Meta reports a purchase under several action types at once (`purchase`,
        `omni_purchase`, `offsite_conversion.fb_pixel_purchase`, ...); only
        `purchase_action_type` is read, because summing the aliases would multiply purchases.
        Raises KeyError for a missing field and ValueError for one that does not parse.
        """
        return cls(
            account_id=text_field(row, "account_id"),
            campaign_id=text_field(row, "campaign_id"),
            campaign_name=text_field(row, "campaign_name"),
            adset_id=text_field(row, "adset_id"),
            adset_name=text_field(row, "adset_name"),
            ad_id=text_field(row, "ad_id"),
            ad_name=text_field(row, "ad_name"),
            date_start=_date(row, "date_start"),
            hour_of_day=_hour_of_day(row[HOURLY_BREAKDOWN]),
            # Meta leaves a metric out when it is zero.
            spend=_decimal(row.get("spend", "0"), "spend"),
            impressions=_count(row.get("impressions", "0"), "impressions"),
            link_clicks=_count(row.get("inline_link_clicks", "0"), "inline_link_clicks"),
            purchases=_action_value(row.get("actions"), purchase_action_type, "actions"),
            purchase_value=_action_value(
                row.get("action_values"), purchase_action_type, "action_values"
            ),
            currency=text_field(row, "account_currency"),
        )


def parse_insight_row(
    row: Mapping[str, Any], purchase_action_type: str
) -> MetaAdInsightHour | MalformedRow:
    """The row as a record, or as a MalformedRow saying why it could not be one."""
    try:
        return MetaAdInsightHour.from_graph(row, purchase_action_type)
    except KeyError as exc:
        return MalformedRow.of(row, f"missing field {exc.args[0]!r}")
    except (ValueError, TypeError) as exc:
        return MalformedRow.of(row, str(exc))


def text_field(row: Mapping[str, Any], field: str) -> str:
    """A required id or name: Graph sends ids as strings, an empty one is as good as none."""
    value = row[field]
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise ValueError(f"{field}: expected text, got {value!r}")
    return str(value)


def _date(row: Mapping[str, Any], field: str) -> date:
    raw = row[field]
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{field}: not a date: {raw!r}") from exc


def _hour_of_day(hour_range: Any) -> int:
    match = _HOUR_RANGE.fullmatch(hour_range) if isinstance(hour_range, str) else None
    if match is None or int(match.group(1)) > 23:
        raise ValueError(f"unexpected hourly breakdown value {hour_range!r}")
    return int(match.group(1))


def _action_value(actions: Any, action_type: str, field: str) -> Decimal:
    if actions is None:
        return Decimal(0)
    if not isinstance(actions, list):
        raise ValueError(f"{field}: expected a list, got {actions!r}")
    for action in actions:
        if isinstance(action, Mapping) and action.get("action_type") == action_type:
            return _decimal(action.get("value"), f"{field}[{action_type}]")
    return Decimal(0)


def _count(raw: Any, field: str) -> int:
    if not isinstance(raw, str | int) or isinstance(raw, bool) or not str(raw).isdigit():
        raise ValueError(f"{field}: not a count: {raw!r}")
    return int(raw)


def _decimal(raw: Any, field: str) -> Decimal:
    # Constructing from the string keeps every digit Meta sent; a float would not.
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        raise ValueError(f"{field}: not a number: {raw!r}")
    try:
        value = Decimal(str(raw))
    except InvalidOperation as exc:
        raise ValueError(f"{field}: not a number: {raw!r}") from exc
    if not value.is_finite():
        raise ValueError(f"{field}: not a finite number: {raw!r}")
    return value
