"""`IsoDate`: a day given as YYYY-MM-DD, the one form the API's date parameters take."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import BeforeValidator

_YYYY_MM_DD = re.compile(r"\d{4}-\d{2}-\d{2}")


def _yyyy_mm_dd(value: object) -> object:
    # Pydantic would also read a number as a Unix timestamp (`end=0` is 1970-01-01) and a
    # midnight datetime as its day: a client's mistake, answered as one rather than guessed.
    if isinstance(value, str) and not _YYYY_MM_DD.fullmatch(value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_yyyy_mm_dd)]
