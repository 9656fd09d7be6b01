"""Campaigns, ad groups and ads as the Google Ads connector yields them: the objects the metrics
rows name and the ads under the ad groups, with their names and the status the advertiser set.

Each level is read with a GAQL query of attributes alone (`FROM campaign`, `FROM ad_group`,
`FROM ad_group_ad`), which lists every object of the customer, REMOVED ones too: a removed ad
group keeps its spend in the marts and shows as removed, as the Google Ads UI shows it under
"All" statuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import AliasPath, Field, TypeAdapter, ValidationInfo, model_validator
from pydantic.dataclasses import dataclass as record

from orchestration.connectors.google_ads.records import GoogleId, GoogleText
from orchestration.connectors.quarantine import MalformedRow, validated
from orchestration.connectors.wire import RECORD_CONFIG


class EntityLevel(StrEnum):
    CAMPAIGN = "campaign"
    AD_GROUP = "ad_group"
    AD = "ad"

    @property
    def resource(self) -> str:
        """The GAQL resource listing this level: an ad is listed as its ad group ad."""
        return "ad_group_ad" if self is EntityLevel.AD else self.value


ENTITY_FIELDS = {
    EntityLevel.CAMPAIGN: ("campaign.id", "campaign.name", "campaign.status"),
    EntityLevel.AD_GROUP: ("campaign.id", "ad_group.id", "ad_group.name", "ad_group.status"),
    EntityLevel.AD: (
        "campaign.id",
        "ad_group.id",
        "ad_group_ad.ad.id",
        "ad_group_ad.ad.name",
        "ad_group_ad.status",
    ),
}


@dataclass(frozen=True)
class GoogleAdsEntity:
    """A campaign, ad group or ad as of the sync.

    `campaign_id` and `ad_group_id` are the object's own ancestors (a campaign's `campaign_id`
    is its own id, an ad group's `ad_group_id` too), so every level joins the same way. `status`
    is Google's enum value: ENABLED, PAUSED or REMOVED (UNKNOWN for a value newer than the API
    version). `name` is None for an ad whose type takes no name (responsive search ads): proto3
    JSON leaves the empty string out.
    """

    level: EntityLevel
    customer_id: str
    entity_id: str
    name: str | None
    campaign_id: str
    ad_group_id: str | None
    status: str


def _at(*path: str) -> Any:
    return Field(validation_alias=AliasPath(*path))


class _ForCustomer:
    @model_validator(mode="before")
    @classmethod
    def _for_customer(cls, row: Any, info: ValidationInfo) -> Any:
        # The rows do not repeat the customer id the query was for.
        if not isinstance(row, Mapping):
            return row
        return {**row, "customer_id": (info.context or {})["customer_id"]}


@record(frozen=True, config=RECORD_CONFIG)
class _CampaignRow(_ForCustomer):
    customer_id: GoogleId
    campaign_id: GoogleId = _at("campaign", "id")
    name: GoogleText = _at("campaign", "name")
    status: GoogleText = _at("campaign", "status")

    def entity(self) -> GoogleAdsEntity:
        return GoogleAdsEntity(
            EntityLevel.CAMPAIGN,
            self.customer_id,
            self.campaign_id,
            self.name,
            self.campaign_id,
            None,
            self.status,
        )


@record(frozen=True, config=RECORD_CONFIG)
class _AdGroupRow(_ForCustomer):
    customer_id: GoogleId
    campaign_id: GoogleId = _at("campaign", "id")
    ad_group_id: GoogleId = _at("adGroup", "id")
    name: GoogleText = _at("adGroup", "name")
    status: GoogleText = _at("adGroup", "status")

    def entity(self) -> GoogleAdsEntity:
        return GoogleAdsEntity(
            EntityLevel.AD_GROUP,
            self.customer_id,
            self.ad_group_id,
            self.name,
            self.campaign_id,
            self.ad_group_id,
            self.status,
        )


@record(frozen=True, config=RECORD_CONFIG)
class _AdRow(_ForCustomer):
    customer_id: GoogleId
    campaign_id: GoogleId = _at("campaign", "id")
    ad_group_id: GoogleId = _at("adGroup", "id")
    ad_id: GoogleId = _at("adGroupAd", "ad", "id")
    status: GoogleText = _at("adGroupAd", "status")
    name: GoogleText | None = Field(
        default=None, validation_alias=AliasPath("adGroupAd", "ad", "name")
    )

    def entity(self) -> GoogleAdsEntity:
        return GoogleAdsEntity(
            EntityLevel.AD,
            self.customer_id,
            self.ad_id,
            self.name,
            self.campaign_id,
            self.ad_group_id,
            self.status,
        )


_ROWS: dict[EntityLevel, TypeAdapter[Any]] = {
    EntityLevel.CAMPAIGN: TypeAdapter(_CampaignRow),
    EntityLevel.AD_GROUP: TypeAdapter(_AdGroupRow),
    EntityLevel.AD: TypeAdapter(_AdRow),
}


def parse_entity(row: Any, level: EntityLevel, customer_id: str) -> GoogleAdsEntity | MalformedRow:
    """The searchStream result row as an entity, or as a MalformedRow saying why it could not
    be one (fields named as in Google's JSON: `adGroupAd.ad.id: missing`)."""
    parsed = validated(
        _ROWS[level], row, context={"customer_id": customer_id}, what=f"{level.value}: "
    )
    return parsed if isinstance(parsed, MalformedRow) else parsed.entity()
