"""The UTC hour every platform's delivery is defined on."""

from __future__ import annotations

from datetime import timedelta

HOUR = timedelta(hours=1)
MICROSECOND = timedelta(microseconds=1)
HOUR_MICROSECONDS = HOUR // MICROSECOND
