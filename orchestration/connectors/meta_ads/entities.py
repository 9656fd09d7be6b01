"""Campaigns, ad sets and ads as the Meta connector yields them: the objects insights rows
name, with their status and budget."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.dataclasses import dataclass
from pydantic_core import PydanticCustomError

from orchestration.connectors.meta_ads.records import GraphText
from orchestration.connectors.quarantine import MalformedRow, validated
from orchestration.connectors.wire import RECORD_CONFIG, Count, UtcDatetime


class EntityLevel(StrEnum):
    CAMPAIGN = "campaign"
    ADSET = "adset"
    AD = "ad"

    @property
    def edge(self) -> str:
        """The ad account edge listing this level: `/act_{id}/campaigns` and so on."""
        return f"{self.value}s"


_COMMON_FIELDS = (
    "id",
    "account_id",
    "name",
    "status",
    "effective_status",
    "created_time",
    "updated_time",
)
ENTITY_FIELDS = {
    EntityLevel.CAMPAIGN: (*_COMMON_FIELDS, "daily_budget", "lifetime_budget"),
    EntityLevel.ADSET: (*_COMMON_FIELDS, "campaign_id", "daily_budget", "lifetime_budget"),
    EntityLevel.AD: (*_COMMON_FIELDS, "campaign_id", "adset_id"),
}
# Every effective status each level can have (Marketing API reference: Campaign, Ad Set, Ad).
# Listings and ad-level insights leave DELETED and ARCHIVED objects out unless asked for them by
# status, although what those spent still counts in the account's totals and on its invoices:
# the connector asks for every status, so a deleted ad keeps its spend and is listed DELETED,
# as Ads Manager shows it among deleted items ("Manage your ad object's status").
_LIVE_STATUSES = ("ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES")
EFFECTIVE_STATUSES = {
    EntityLevel.CAMPAIGN: _LIVE_STATUSES,
    EntityLevel.ADSET: (*_LIVE_STATUSES, "CAMPAIGN_PAUSED"),
    EntityLevel.AD: (
        *_LIVE_STATUSES,
        "CAMPAIGN_PAUSED",
        "ADSET_PAUSED",
        "PENDING_REVIEW",
        "DISAPPROVED",
        "PREAPPROVED",
        "PENDING_BILLING_INFO",
    ),
}


def _no_budget_as_none(raw: Any) -> Any:
    # Meta leaves a budget out, or reads "0", where the level holds none.
    return None if raw == "0" else raw


BudgetMinor = Annotated[Count | None, BeforeValidator(_no_budget_as_none)]


@dataclass(frozen=True, kw_only=True, config=RECORD_CONFIG)
class MetaEntity:
    """A campaign, ad set or ad as of the sync.

    `campaign_id` and `adset_id` are the object's own ancestors (a campaign's `campaign_id`
    is its own id, an ad set's `adset_id` too), so every level joins the same way. Budgets are
    integers in the currency's minor unit, as Meta sends them; None where the level holds no
    budget.
    """

    level: EntityLevel
    entity_id: GraphText = Field(validation_alias="id")
    account_id: GraphText
    name: GraphText
    campaign_id: GraphText
    adset_id: GraphText | None
    status: GraphText
    effective_status: GraphText
    daily_budget_minor: BudgetMinor = Field(default=None, validation_alias="daily_budget")
    lifetime_budget_minor: BudgetMinor = Field(default=None, validation_alias="lifetime_budget")
    created_time: UtcDatetime
    updated_time: UtcDatetime

    @model_validator(mode="before")
    @classmethod
    def _own_ancestors(cls, row: Any, info: ValidationInfo) -> Any:
        level = EntityLevel((info.context or {})["level"])
        if not isinstance(row, Mapping):
            return row
        if level is EntityLevel.CAMPAIGN:
            return {**row, "level": level, "campaign_id": row.get("id"), "adset_id": None}
        if level is EntityLevel.ADSET:
            return {**row, "level": level, "adset_id": row.get("id")}
        return {**row, "level": level}

    @field_validator("adset_id")
    @classmethod
    def _an_ad_names_its_ad_set(cls, adset_id: str | None, info: ValidationInfo) -> str | None:
        if adset_id is None and info.data.get("level") is EntityLevel.AD:
            raise PydanticCustomError("missing", "Field required")
        return adset_id

    @classmethod
    def from_graph(cls, row: Mapping[str, Any], level: EntityLevel) -> MetaEntity:
        """Raises pydantic's ValidationError (a ValueError) naming each field that does not
        parse."""
        return _ENTITY.validate_python(row, context={"level": level})


_ENTITY = TypeAdapter(MetaEntity)


def parse_entity(row: Mapping[str, Any], level: EntityLevel) -> MetaEntity | MalformedRow:
    """The object as a record, or as a MalformedRow saying why it could not be one."""
    return validated(_ENTITY, row, context={"level": level}, what=f"{level.value}: ")
