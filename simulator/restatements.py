"""Restatements on demand, shared by the ad platforms' worlds: from a moment on, a platform
reports a share of an account-local day's conversions (what it does after an uploaded conversion
adjustment, a re-run of its attribution model or a fraud clean-up), while readings as of an
earlier moment stay what they were, so what a capture saw stays reproducible."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime

FULL_PERMILLE = 1000


@dataclass(frozen=True)
class Restatement:
    """From `effective_at` (the world's clock) on, the platform reports `permille`/1000 of the
    conversions and conversion value a day would otherwise show."""

    effective_at: datetime
    permille: int


class Restatements:
    """The restatements made so far, per (account id, account-local day), in the order made."""

    def __init__(self) -> None:
        self._by_day: dict[tuple[str, date], tuple[Restatement, ...]] = {}
        self._lock = threading.Lock()

    def restate(self, account_id: str, local_date: date, permille: int, at: datetime) -> None:
        if permille < 0:
            raise ValueError(f"permille must not be negative, not {permille}")
        with self._lock:
            key = (account_id, local_date)
            self._by_day[key] = (*self._by_day.get(key, ()), Restatement(at, permille))

    def permille(self, account_id: str, local_date: date, now: datetime) -> int:
        """The share of its conversions the day reports as of `now`, in permille."""
        if not self._by_day:  # read per hour: stay lock-free when nothing was restated
            return FULL_PERMILLE
        with self._lock:
            restatements = self._by_day.get((account_id, local_date), ())
        # The latest made by `now`; of two at the same moment, the one made last.
        in_force = [
            (restatement.effective_at, order, restatement.permille)
            for order, restatement in enumerate(restatements)
            if restatement.effective_at <= now
        ]
        return max(in_force)[2] if in_force else FULL_PERMILLE
