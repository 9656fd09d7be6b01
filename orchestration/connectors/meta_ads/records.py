"""What the Meta connector yields, validated exactly from the Graph API's numbers-as-strings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, Strict, TypeAdapter, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass
from pydantic_core import PydanticCustomError

from orchestration.connectors.quarantine import MalformedRow, validated
from orchestration.connectors.wire import RECORD_CONFIG, Count, ExactDecimal

HOURLY_BREAKDOWN = "hourly_stats_aggregated_by_advertiser_time_zone"
_HOUR_RANGE = re.compile(r"(\d{2}):00:00 - \1:59:59")


def _id_as_text(value: Any) -> Any:
    # Graph sends ids as strings, but an integer id names the same object.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# A required id or name: an empty one is as good as none.
GraphText = Annotated[str, Strict(), Field(min_length=1), BeforeValidator(_id_as_text)]


def _hour_of_day(hour_range: Any) -> int:
    match = _HOUR_RANGE.fullmatch(hour_range) if isinstance(hour_range, str) else None
    if match is None or int(match.group(1)) > 23:
        raise PydanticCustomError(
            "hourly_range", "Input should be an hourly breakdown value like '13:00:00 - 13:59:59'"
        )
    return int(match.group(1))


@dataclass(frozen=True, config=RECORD_CONFIG)
class MetaAdAccount:
    account_id: GraphText
    name: str
    currency: GraphText
    timezone_name: GraphText

    @classmethod
    def from_graph(cls, payload: Mapping[str, Any]) -> MetaAdAccount:
        """Raises pydantic's ValidationError (a ValueError) when the account does not parse."""
        return _ACCOUNT.validate_python(payload)


@dataclass(frozen=True, kw_only=True, config=RECORD_CONFIG)
class MetaAdInsightHour:
    """One ad's delivery in one hour of the ad account's own time zone.

    `date_start` and `hour_of_day` are account-local, exactly as Meta reports them; `currency`
    is the row's own `account_currency`, which changes when the account's currency does.
    Meta leaves a metric out when it is zero.
    """

    account_id: GraphText
    campaign_id: GraphText
    campaign_name: GraphText
    adset_id: GraphText
    adset_name: GraphText
    ad_id: GraphText
    ad_name: GraphText
    date_start: date
    hour_of_day: Annotated[
        int, Field(validation_alias=HOURLY_BREAKDOWN), BeforeValidator(_hour_of_day)
    ]
    spend: ExactDecimal = Decimal(0)
    impressions: Count = 0
    link_clicks: Count = Field(default=0, validation_alias="inline_link_clicks")
    purchases: ExactDecimal = Field(default=Decimal(0), validation_alias="actions")
    purchase_value: ExactDecimal = Field(default=Decimal(0), validation_alias="action_values")
    currency: GraphText = Field(validation_alias="account_currency")

    @field_validator("purchases", "purchase_value", mode="before")
    @classmethod
    def _purchase_action(cls, actions: Any, info: ValidationInfo) -> Any:
        # Meta reports a purchase under several action types at once (`purchase`,
        # `omni_purchase`, `offsite_conversion.fb_pixel_purchase`, ...); only the connection's
        # type is read, because summing the aliases would multiply purchases.
        if not isinstance(actions, list):
            raise PydanticCustomError("actions", "Input should be a list of actions")
        wanted = (info.context or {})["purchase_action_type"]
        return next(
            (
                action.get("value")
                for action in actions
                if isinstance(action, Mapping) and action.get("action_type") == wanted
            ),
            0,
        )

    @classmethod
    def from_graph(cls, row: Mapping[str, Any], purchase_action_type: str) -> MetaAdInsightHour:
        """Validate one insights row with hourly breakdown; fields Meta adds later are ignored.

        Raises pydantic's ValidationError (a ValueError) naming each field that does not parse.
        """
        return _INSIGHT_HOUR.validate_python(row, context=_context(purchase_action_type))


_ACCOUNT = TypeAdapter(MetaAdAccount)
_INSIGHT_HOUR = TypeAdapter(MetaAdInsightHour)


def parse_insight_row(
    row: Mapping[str, Any], purchase_action_type: str
) -> MetaAdInsightHour | MalformedRow:
    """The row as a record, or as a MalformedRow saying why it could not be one."""
    return validated(_INSIGHT_HOUR, row, context=_context(purchase_action_type))


def _context(purchase_action_type: str) -> dict[str, str]:
    return {"purchase_action_type": purchase_action_type}
