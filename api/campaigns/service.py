"""A workspace's campaigns, ad sets / ad groups and ads with their status and how they did over a
period, sorted and paged.

Names and statuses are the entities' (dim_ad_entities); every number is a semantic-layer metric
grouped by the entity (through the metrics service), so no formula is written here.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cmp_to_key
from typing import Any

from api.metrics.service import MetricsRequest, MetricValue, query_metrics
from api.reporting.attribution import DEFAULT_ATTRIBUTION_MODEL, AttributionModel
from api.reporting.periods import Period
from api.reporting.providers import AdProvider
from warehouse.connection import WarehouseReader
from warehouse.semantic.compiler import SemanticLayer

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Level(StrEnum):
    CAMPAIGN = "campaign"
    # Meta ad sets and Google ad groups: one level, the semantic layer's `ad_group`.
    ADSET = "adset"
    AD = "ad"


# Each level's entity, as the semantic layer and dim_ad_entities.entity_level name it.
LEVEL_ENTITIES = {Level.CAMPAIGN: "campaign", Level.ADSET: "ad_group", Level.AD: "ad"}

# The platforms' own figures, at every level.
PLATFORM_METRICS = ("spend", "platform_conversions", "platform_roas")
# The shop's attribution credits campaigns (utm_campaign), not ad sets or ads.
ATTRIBUTED_MEASURES = ("attributed_revenue", "attributed_roas")


class SortField(StrEnum):
    SPEND = "spend"
    PLATFORM_CONVERSIONS = "platform_conversions"
    PLATFORM_ROAS = "platform_roas"
    ATTRIBUTED_REVENUE = "attributed_revenue"
    ATTRIBUTED_ROAS = "attributed_roas"
    NAME = "name"


_MONEY_FIELDS = (SortField.SPEND, SortField.ATTRIBUTED_REVENUE)
_NUMBER_FIELDS = (
    SortField.PLATFORM_CONVERSIONS,
    SortField.PLATFORM_ROAS,
    SortField.ATTRIBUTED_ROAS,
)


class Sort(StrEnum):
    """A field, highest (or Z) first with a leading `-`; ties by id, nulls last either way."""

    SPEND_DESC = "-spend"
    SPEND = "spend"
    PLATFORM_CONVERSIONS_DESC = "-platform_conversions"
    PLATFORM_CONVERSIONS = "platform_conversions"
    PLATFORM_ROAS_DESC = "-platform_roas"
    PLATFORM_ROAS = "platform_roas"
    ATTRIBUTED_REVENUE_DESC = "-attributed_revenue"
    ATTRIBUTED_REVENUE = "attributed_revenue"
    ATTRIBUTED_ROAS_DESC = "-attributed_roas"
    ATTRIBUTED_ROAS = "attributed_roas"
    NAME_DESC = "-name"
    NAME = "name"

    @property
    def field(self) -> SortField:
        return SortField(self.value.removeprefix("-"))

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")


DEFAULT_SORT = Sort.SPEND_DESC

_ENTITIES_SQL = """
SELECT
    entity.platform,
    entity.entity_id,
    entity.entity_name,
    entity.status,
    entity.effective_status,
    entity.campaign_id,
    campaign.entity_name AS campaign_name,
    entity.ad_group_id
FROM marts.dim_ad_entities AS entity
LEFT JOIN marts.dim_ad_entities AS campaign
    ON campaign.workspace_id = entity.workspace_id
    AND campaign.platform = entity.platform
    AND campaign.entity_level = 'campaign'
    AND campaign.entity_id = entity.campaign_id
WHERE entity.workspace_id = :workspace_id AND entity.entity_level = :entity_level
"""


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class CampaignsRequest:
    period: Period
    level: Level = Level.CAMPAIGN
    attribution_model: AttributionModel = DEFAULT_ATTRIBUTION_MODEL
    provider: AdProvider | None = None
    # As the platform states it (ACTIVE, PAUSED, DELETED…), any case.
    status: str | None = None
    sort: Sort = DEFAULT_SORT
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class EntityPerformance:
    provider: str
    level: Level
    id: str
    name: str | None
    status: str | None
    effective_status: str | None
    campaign_id: str | None
    campaign_name: str | None
    ad_group_id: str | None
    spend: Decimal | None = None
    platform_conversions: float | None = None
    platform_roas: float | None = None
    attributed_revenue: Decimal | None = None
    attributed_roas: float | None = None


@dataclass(frozen=True)
class CampaignPage:
    entities: list[EntityPerformance]
    total: int
    next_cursor: str | None


def list_campaigns(
    semantic_layer: SemanticLayer,
    warehouse: WarehouseReader,
    workspace_id: str,
    request: CampaignsRequest,
) -> CampaignPage:
    """One page of the level's entities, sorted by `request.sort`, after `request.cursor`.
    Raises InvalidCursor."""
    after = decode_cursor(request.cursor, request.sort) if request.cursor else None
    entities = _with_metrics(
        semantic_layer,
        warehouse,
        workspace_id,
        request,
        _entities(warehouse, workspace_id, request),
    )
    order = cmp_to_key(_comparator(request.sort))
    entities.sort(key=order)
    start = 0
    if after is not None:
        cursor_key = order(after)
        start = next(
            (index for index, entity in enumerate(entities) if order(entity) > cursor_key),
            len(entities),
        )
    page = entities[start : start + request.limit]
    more = start + request.limit < len(entities)
    return CampaignPage(
        entities=page,
        total=len(entities),
        next_cursor=encode_cursor(page[-1], request.sort) if page and more else None,
    )


def _entities(
    warehouse: WarehouseReader, workspace_id: str, request: CampaignsRequest
) -> list[EntityPerformance]:
    rows = warehouse.fetch_all(
        _ENTITIES_SQL,
        {"workspace_id": workspace_id, "entity_level": LEVEL_ENTITIES[request.level]},
    )
    status = request.status.upper() if request.status else None
    return [
        EntityPerformance(
            provider=row["platform"],
            level=request.level,
            id=row["entity_id"],
            name=row["entity_name"],
            status=row["status"],
            effective_status=row["effective_status"],
            campaign_id=row["campaign_id"],
            campaign_name=row["campaign_name"],
            ad_group_id=row["ad_group_id"] if request.level is Level.AD else None,
        )
        for row in rows
        if (request.provider is None or row["platform"] == request.provider)
        # Google's statuses may be unknown (null): they match no status filter.
        and (status is None or (row["status"] or "").upper() == status)
    ]


def _with_metrics(
    semantic_layer: SemanticLayer,
    warehouse: WarehouseReader,
    workspace_id: str,
    request: CampaignsRequest,
    entities: list[EntityPerformance],
) -> list[EntityPerformance]:
    """The entities with their metrics over the period: null where the entity had no delivery
    (or, for attributed figures, no credited order)."""
    entity = LEVEL_ENTITIES[request.level]
    attributed = (
        {request.attribution_model.metric(measure): measure for measure in ATTRIBUTED_MEASURES}
        if request.level is Level.CAMPAIGN
        else {}
    )
    result = query_metrics(
        semantic_layer,
        warehouse,
        workspace_id,
        MetricsRequest(
            metrics=(*PLATFORM_METRICS, *attributed), period=request.period, group_by=(entity,)
        ),
    )
    # By id alone: the semantic layer groups by the platforms' ids, which the two platforms
    # draw from different ranges. Rows without an id (the shop's own channels, the unattributed
    # orders, Google delivery below the ad group) are nobody's entity.
    values_by_id = {
        row.dimensions[entity]: {
            attributed.get(metric, metric): value for metric, value in row.values.items()
        }
        for row in result.rows
        if row.dimensions[entity] is not None
    }
    return [_measured(item, values_by_id.get(item.id, {})) for item in entities]


def _measured(item: EntityPerformance, values: Mapping[str, MetricValue]) -> EntityPerformance:
    return replace(
        item,
        spend=_money(values.get("spend")),
        platform_conversions=_number(values.get("platform_conversions")),
        platform_roas=_number(values.get("platform_roas")),
        attributed_revenue=_money(values.get("attributed_revenue")),
        attributed_roas=_number(values.get("attributed_roas")),
    )


def _money(value: MetricValue) -> Decimal | None:
    # The metrics service gives money as Decimal to the cent.
    return value if isinstance(value, Decimal) else None


def _number(value: MetricValue) -> float | None:
    return None if value is None else float(value)


def _sort_value(entity: EntityPerformance, field: SortField) -> Any:
    return entity.name if field is SortField.NAME else getattr(entity, field.value)


def _comparator(sort: Sort) -> Callable[[EntityPerformance, EntityPerformance], int]:
    def compare(a: EntityPerformance, b: EntityPerformance) -> int:
        first, second = _sort_value(a, sort.field), _sort_value(b, sort.field)
        if (first is None) != (second is None):
            return 1 if first is None else -1
        if first is not None and first != second:
            if isinstance(first, str):
                first, second = (first.casefold(), first), (second.casefold(), second)
            ordered = -1 if first < second else 1
            return -ordered if sort.descending else ordered
        return _cmp((a.id, a.provider), (b.id, b.provider))

    return compare


def _cmp(first: tuple[str, str], second: tuple[str, str]) -> int:
    return (first > second) - (first < second)


def encode_cursor(entity: EntityPerformance, sort: Sort) -> str:
    """Where a page ended: the sort, the last entity's sort value and id. Opaque to clients."""
    value = _sort_value(entity, sort.field)
    position = {
        "sort": sort.value,
        "value": str(value) if isinstance(value, Decimal) else value,
        "id": entity.id,
        "provider": entity.provider,
    }
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort) -> EntityPerformance:
    """The cursor's position as an entity to compare with. Raises InvalidCursor."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error) as exc:  # UnicodeDecodeError and JSON's are ValueErrors
        raise InvalidCursor("the cursor is not valid") from exc
    if not isinstance(position, dict) or position.get("sort") != sort.value:
        raise InvalidCursor("the cursor belongs to another query: start again without it")
    entity_id, provider = position.get("id"), position.get("provider")
    if not isinstance(entity_id, str) or not isinstance(provider, str):
        raise InvalidCursor("the cursor is not valid")
    anchor = EntityPerformance(
        provider=provider,
        level=Level.CAMPAIGN,
        id=entity_id,
        name=None,
        status=None,
        effective_status=None,
        campaign_id=None,
        campaign_name=None,
        ad_group_id=None,
    )
    value = _cursor_value(position.get("value"), sort.field)
    attribute = "name" if sort.field is SortField.NAME else sort.field.value
    return replace(anchor, **{attribute: value})


def _cursor_value(value: object, field: SortField) -> Any:
    """The sort value a cursor holds, of the field's type."""
    if value is None:
        return None
    if field is SortField.NAME and isinstance(value, str):
        return value
    if field in _MONEY_FIELDS and isinstance(value, str):
        try:
            amount = Decimal(value)
        except InvalidOperation as exc:
            raise InvalidCursor("the cursor is not valid") from exc
        if amount.is_finite():
            return amount
    if (
        field in _NUMBER_FIELDS
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    ):
        return float(value)
    raise InvalidCursor("the cursor is not valid")
