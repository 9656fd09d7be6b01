"""What the Google Ads connector yields, parsed exactly from the API's JSON.

int64 fields arrive as strings and doubles as JSON numbers; the client parses the body with
`parse_float=Decimal`, so a double such as `conversions` becomes a Decimal of the digits Google
sent without passing through a binary float.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

_INT64 = re.compile(r"-?\d{1,19}")
_ID = re.compile(r"\d{1,19}")


@dataclass(frozen=True)
class GoogleAdsCustomer:
    customer_id: str
    descriptive_name: str
    currency: str
    time_zone: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> GoogleAdsCustomer:
        customer = _object(row, "customer")
        return cls(
            customer_id=_id(customer, "customer.id"),
            descriptive_name=_text(customer, "customer.descriptiveName"),
            currency=_text(customer, "customer.currencyCode"),
            time_zone=_text(customer, "customer.timeZone"),
        )


@dataclass(frozen=True)
class GoogleAdsAdGroupHour:
    """One ad group's metrics in one hour of the customer's time zone.

    `segment_date` and `segment_hour` are account-local, exactly as Google reports them; on the
    autumn DST day the repeated hour holds both real hours.
    """

    customer_id: str
    currency: str
    time_zone: str
    campaign_id: str
    campaign_name: str
    ad_group_id: str
    ad_group_name: str
    segment_date: date
    segment_hour: int
    cost_micros: int
    impressions: int
    clicks: int
    conversions: Decimal
    conversions_value: Decimal

    @classmethod
    def from_row(cls, row: Mapping[str, Any], customer_id: str) -> GoogleAdsAdGroupHour:
        """Parse one searchStream result row; ValueError names what is wrong with it."""
        customer = _object(row, "customer")
        campaign = _object(row, "campaign")
        ad_group = _object(row, "adGroup")
        segments = _object(row, "segments")
        metrics = _object(row, "metrics")
        hour = _int(segments, "hour", "segments.hour")
        if not 0 <= hour <= 23:
            raise ValueError(f"segments.hour is out of range: {hour}")
        return cls(
            customer_id=customer_id,
            currency=_text(customer, "customer.currencyCode"),
            time_zone=_text(customer, "customer.timeZone"),
            campaign_id=_id(campaign, "campaign.id"),
            campaign_name=_text(campaign, "campaign.name"),
            ad_group_id=_id(ad_group, "adGroup.id"),
            ad_group_name=_text(ad_group, "adGroup.name"),
            segment_date=_date(segments, "segments.date"),
            segment_hour=hour,
            cost_micros=_metric_int(metrics, "costMicros"),
            impressions=_metric_int(metrics, "impressions"),
            clicks=_metric_int(metrics, "clicks"),
            conversions=_metric_decimal(metrics, "conversions"),
            conversions_value=_metric_decimal(metrics, "conversionsValue"),
        )


def _object(row: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = row.get(key)
    if not isinstance(value, Mapping):
        raise ValueError(f"{key} is missing")
    return value


def _present(mapping: Mapping[str, Any], path: str) -> Any:
    value = mapping.get(path.rsplit(".", 1)[-1])
    if value is None:
        raise ValueError(f"{path} is missing")
    return value


def _text(mapping: Mapping[str, Any], path: str) -> str:
    value = _present(mapping, path)
    if not isinstance(value, str):
        raise ValueError(f"{path} is not a string: {value!r}")
    return value


def _id(mapping: Mapping[str, Any], path: str) -> str:
    value = _present(mapping, path)
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ValueError(f"{path} is not an id: {value!r}")
    return value


def _date(mapping: Mapping[str, Any], path: str) -> date:
    value = _text(mapping, path)
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{path} is not a date: {value!r}") from exc


def _int(mapping: Mapping[str, Any], key: str, path: str) -> int:
    value = mapping.get(key)
    # int64 arrives as a string, int32 as a number; bool is an int to Python, never to Google.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT64.fullmatch(value):
        return int(value)
    raise ValueError(f"{path} is not an integer: {value!r}")


def _metric_int(metrics: Mapping[str, Any], key: str) -> int:
    # proto3 JSON may leave out a zero metric, so absent means 0; present must be valid.
    if key not in metrics:
        return 0
    value = _int(metrics, key, f"metrics.{key}")
    if value < 0:
        raise ValueError(f"metrics.{key} is negative: {value}")
    return value


def _metric_decimal(metrics: Mapping[str, Any], key: str) -> Decimal:
    if key not in metrics:
        return Decimal(0)
    raw = metrics[key]
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal | str):
        raise ValueError(f"metrics.{key} is not a number: {raw!r}")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise ValueError(f"metrics.{key} is not a number: {raw!r}") from exc
    if not value.is_finite() or value < 0:
        raise ValueError(f"metrics.{key} is not a finite non-negative number: {raw!r}")
    return value
