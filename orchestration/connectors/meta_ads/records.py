"""What the Meta connector yields, parsed exactly from the Graph API's numbers-as-strings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

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

    `date_start` and `hour_of_day` are account-local, exactly as Meta reports them.
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
        """Parse one insights row with hourly breakdown.

        Meta reports a purchase under several action types at once (`purchase`,
        `omni_purchase`, `offsite_conversion.fb_pixel_purchase`, ...); only
        `purchase_action_type` is read, because summing the aliases would multiply purchases.
        """
        return cls(
            account_id=str(row["account_id"]),
            campaign_id=str(row["campaign_id"]),
            campaign_name=str(row["campaign_name"]),
            adset_id=str(row["adset_id"]),
            adset_name=str(row["adset_name"]),
            ad_id=str(row["ad_id"]),
            ad_name=str(row["ad_name"]),
            date_start=date.fromisoformat(row["date_start"]),
            hour_of_day=_hour_of_day(row["hourly_stats_aggregated_by_advertiser_time_zone"]),
            spend=_decimal(row.get("spend", "0")),
            impressions=int(row.get("impressions", "0")),
            link_clicks=int(row.get("inline_link_clicks", "0")),
            purchases=_action_value(row.get("actions"), purchase_action_type),
            purchase_value=_action_value(row.get("action_values"), purchase_action_type),
            currency=str(row["account_currency"]),
        )


def _hour_of_day(hour_range: str) -> int:
    match = _HOUR_RANGE.fullmatch(hour_range)
    if match is None or int(match.group(1)) > 23:
        raise ValueError(f"unexpected hourly breakdown value {hour_range!r}")
    return int(match.group(1))


def _action_value(actions: list[Mapping[str, Any]] | None, action_type: str) -> Decimal:
    for action in actions or ():
        if action.get("action_type") == action_type:
            return _decimal(action["value"])
    return Decimal(0)


def _decimal(raw: Any) -> Decimal:
    # Constructing from the string keeps every digit Meta sent; a float would not.
    try:
        value = Decimal(str(raw))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {raw!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a finite number: {raw!r}")
    return value
