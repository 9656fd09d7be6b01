"""Campaigns, ad sets and ads as the Meta connector yields them: the objects insights rows
name, with their status and budget."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from orchestration.connectors.meta_ads.records import text_field
from orchestration.connectors.quarantine import MalformedRow

_GRAPH_TIMESTAMP = "%Y-%m-%dT%H:%M:%S%z"  # Meta's "2026-08-01T10:00:00+0000"


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


@dataclass(frozen=True)
class MetaEntity:
    """A campaign, ad set or ad as of the sync.

    `campaign_id` and `adset_id` are the object's own ancestors (a campaign's `campaign_id`
    is its own id, an ad set's `adset_id` too), so every level joins the same way. Budgets are
    integers in the currency's minor unit, as Meta sends them; None where the level holds no
    budget.
    """

    level: EntityLevel
    entity_id: str
    account_id: str
    name: str
    campaign_id: str
    adset_id: str | None
    status: str
    effective_status: str
    daily_budget_minor: int | None
    lifetime_budget_minor: int | None
    created_time: datetime
    updated_time: datetime

    @classmethod
    def from_graph(cls, row: Mapping[str, Any], level: EntityLevel) -> MetaEntity:
        """Raises KeyError for a missing field and ValueError for one that does not parse."""
        entity_id = text_field(row, "id")
        if level is EntityLevel.CAMPAIGN:
            campaign_id, adset_id = entity_id, None
        elif level is EntityLevel.ADSET:
            campaign_id, adset_id = text_field(row, "campaign_id"), entity_id
        else:
            campaign_id, adset_id = text_field(row, "campaign_id"), text_field(row, "adset_id")
        return cls(
            level=level,
            entity_id=entity_id,
            account_id=text_field(row, "account_id"),
            name=text_field(row, "name"),
            campaign_id=campaign_id,
            adset_id=adset_id,
            status=text_field(row, "status"),
            effective_status=text_field(row, "effective_status"),
            daily_budget_minor=_budget(row, "daily_budget"),
            lifetime_budget_minor=_budget(row, "lifetime_budget"),
            created_time=_timestamp(row, "created_time"),
            updated_time=_timestamp(row, "updated_time"),
        )


def parse_entity(row: Mapping[str, Any], level: EntityLevel) -> MetaEntity | MalformedRow:
    """The object as a record, or as a MalformedRow saying why it could not be one."""
    try:
        return MetaEntity.from_graph(row, level)
    except KeyError as exc:
        return MalformedRow.of(row, f"{level.value}: missing field {exc.args[0]!r}")
    except (ValueError, TypeError) as exc:
        return MalformedRow.of(row, f"{level.value}: {exc}")


def _budget(row: Mapping[str, Any], field: str) -> int | None:
    raw = row.get(field)
    # Meta leaves a budget out, or reads "0", where the level holds none.
    if raw is None or raw == "0":
        return None
    if not isinstance(raw, str) or not raw.isdigit():
        raise ValueError(f"{field}: not an amount in minor units: {raw!r}")
    return int(raw)


def _timestamp(row: Mapping[str, Any], field: str) -> datetime:
    raw = row[field]
    try:
        return datetime.strptime(raw, _GRAPH_TIMESTAMP).astimezone(UTC)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{field}: not a Graph timestamp: {raw!r}") from exc
