from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, PlainSerializer

# Exact amounts travel as strings: JSON numbers are floats to most clients.
Money = Annotated[Decimal, PlainSerializer(str, return_type=str)]


class DaySpendOut(BaseModel):
    date: dt.date
    spend: Money


class DailySpend(BaseModel):
    workspace_id: str
    currency: str
    days: list[DaySpendOut]
