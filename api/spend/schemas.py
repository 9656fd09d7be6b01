from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer

from api.spend.service import Coverage

# Exact amounts travel as strings: JSON numbers are floats to most clients.
Money = Annotated[Decimal, PlainSerializer(str, return_type=str)]


class DaySpendOut(BaseModel):
    date: dt.date = Field(
        description="The day. Spend is booked on the ad accounts' own days, coverage on the "
        "workspace's: the same days when the accounts keep the workspace's timezone."
    )
    spend: Money | None = Field(
        description="Spend of the day in the workspace currency, summed over its ad accounts; "
        "null when `coverage` is `missing` (nothing of the day was loaded: unknown, not zero). "
        "A partial day's spend covers only what was loaded."
    )
    coverage: Coverage = Field(
        description="How much of the day was loaded from the workspace's ad connections (every "
        "Meta and Google Ads account that ever loaded data): `complete` when each of them loaded "
        "every 15-minute window of the day (a 0.00 spend then means no delivery), `partial` when "
        "some windows of any of them are missing (the current day, the first loaded day, or a "
        "failed load still being backfilled), `missing` when none of them loaded any window of "
        "the day."
    )


class DailySpend(BaseModel):
    workspace_id: str
    currency: str
    days: list[DaySpendOut]
