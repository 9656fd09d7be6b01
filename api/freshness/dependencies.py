"""`Now`: the request's clock, the one instant freshness is measured against."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends


async def current_time() -> datetime:
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(current_time)]
