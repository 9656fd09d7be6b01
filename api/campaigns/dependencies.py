"""`CampaignsQuery`: the campaigns route's query parameters as a service request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from api.campaigns.service import (
    DEFAULT_LIMIT,
    DEFAULT_SORT,
    MAX_LIMIT,
    CampaignsRequest,
    Level,
    Sort,
)
from api.reporting.attribution import (
    ATTRIBUTION_MODEL_DESCRIPTION,
    DEFAULT_ATTRIBUTION_MODEL,
    AttributionModel,
)
from api.reporting.dependencies import ReportPeriod
from api.reporting.providers import AdProvider


def campaigns_query(
    period: ReportPeriod,
    level: Annotated[
        Level, Query(description="`campaign`, `adset` (Meta ad sets, Google ad groups) or `ad`.")
    ] = Level.CAMPAIGN,
    attribution_model: Annotated[
        AttributionModel, Query(description=ATTRIBUTION_MODEL_DESCRIPTION)
    ] = DEFAULT_ATTRIBUTION_MODEL,
    provider: Annotated[AdProvider | None, Query(description="Only this platform's.")] = None,
    status: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=r"^[A-Za-z_]+$",
            description="Only entities in this status as the platform states it (ACTIVE, PAUSED, "
            "DELETED…; any case). Entities whose status is unknown match none.",
        ),
    ] = None,
    sort: Annotated[
        Sort,
        Query(description="A field, highest (Z) first with a leading `-`; nulls last, ties by id."),
    ] = DEFAULT_SORT,
    cursor: Annotated[
        str | None,
        Query(max_length=2048, description="`next_cursor` of the previous page."),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Entities per page.")
    ] = DEFAULT_LIMIT,
) -> CampaignsRequest:
    return CampaignsRequest(
        period=period.current,
        level=level,
        attribution_model=attribution_model,
        provider=provider,
        status=status,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


CampaignsQuery = Annotated[CampaignsRequest, Depends(campaigns_query)]
