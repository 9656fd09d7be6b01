"""What the Google Ads connector yields, validated exactly from the API's JSON.

int64 fields arrive as strings and doubles as JSON numbers; the client parses the body with
`parse_float=Decimal`, so a double such as `conversions` becomes a Decimal of the digits Google
sent without passing through a binary float. proto3 JSON leaves out a metric that is zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AliasPath, Field, Strict, TypeAdapter, ValidationInfo, model_validator
from pydantic.dataclasses import dataclass

from orchestration.connectors.quarantine import MalformedRow, validated
from orchestration.connectors.wire import RECORD_CONFIG, Count, ExactDecimal, WireInt

GoogleText = Annotated[str, Strict()]
GoogleId = Annotated[str, Strict(), Field(pattern=r"^[0-9]{1,19}$")]
Metric = Annotated[ExactDecimal, Field(ge=0)]


def _at(*path: str) -> Any:
    return Field(validation_alias=AliasPath(*path))


def _metric(key: str, zero: Any) -> Any:
    return Field(default=zero, validation_alias=AliasPath("metrics", key))


@dataclass(frozen=True, config=RECORD_CONFIG)
class GoogleAdsCustomer:
    customer_id: GoogleId = _at("customer", "id")
    descriptive_name: GoogleText = _at("customer", "descriptiveName")
    currency: GoogleText = _at("customer", "currencyCode")
    time_zone: GoogleText = _at("customer", "timeZone")

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> GoogleAdsCustomer:
        """Raises pydantic's ValidationError (a ValueError) naming what is wrong with the row."""
        return _CUSTOMER.validate_python(row)


@dataclass(frozen=True, config=RECORD_CONFIG)
class GoogleAdsAdGroupHour:
    """One ad group's metrics in one hour of the customer's time zone.

    `segment_date` and `segment_hour` are account-local, exactly as Google reports them; on the
    autumn DST day the repeated hour holds both real hours.
    """

    customer_id: GoogleId
    currency: GoogleText = _at("customer", "currencyCode")
    time_zone: GoogleText = _at("customer", "timeZone")
    campaign_id: GoogleId = _at("campaign", "id")
    campaign_name: GoogleText = _at("campaign", "name")
    ad_group_id: GoogleId = _at("adGroup", "id")
    ad_group_name: GoogleText = _at("adGroup", "name")
    segment_date: date = _at("segments", "date")
    segment_hour: Annotated[WireInt, Field(ge=0, le=23)] = _at("segments", "hour")
    cost_micros: Count = _metric("costMicros", 0)
    impressions: Count = _metric("impressions", 0)
    clicks: Count = _metric("clicks", 0)
    conversions: Metric = _metric("conversions", Decimal(0))
    conversions_value: Metric = _metric("conversionsValue", Decimal(0))

    @model_validator(mode="before")
    @classmethod
    def _for_customer(cls, row: Any, info: ValidationInfo) -> Any:
        # The rows do not repeat the customer id the query was for.
        if not isinstance(row, Mapping):
            return row
        return {**row, "customer_id": (info.context or {})["customer_id"]}

    @classmethod
    def from_row(cls, row: Mapping[str, Any], customer_id: str) -> GoogleAdsAdGroupHour:
        """Raises pydantic's ValidationError (a ValueError) naming what is wrong with the row."""
        return _AD_GROUP_HOUR.validate_python(row, context={"customer_id": customer_id})


_CUSTOMER = TypeAdapter(GoogleAdsCustomer)
_AD_GROUP_HOUR = TypeAdapter(GoogleAdsAdGroupHour)


def parse_ad_group_hour(row: Any, customer_id: str) -> GoogleAdsAdGroupHour | MalformedRow:
    """The searchStream result row as a record, or as a MalformedRow saying why it could not be
    one."""
    return validated(_AD_GROUP_HOUR, row, context={"customer_id": customer_id})
