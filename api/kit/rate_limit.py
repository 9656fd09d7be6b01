"""Token buckets per key, held in the API process's memory.

Each process keeps its own buckets: behind N API processes a key gets up to N times the rate.
That bounds what one leaked public key can cost without a shared store.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime


@dataclass
class _Bucket:
    tokens: float
    updated_at: datetime


class KeyRateLimiter:
    """`per_minute` tokens a minute per key, at most `burst` saved up."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self._per_second = per_minute / 60
        self._burst = burst
        self._buckets: dict[str, _Bucket] = {}
        # Sync routes and dependencies run on a thread pool.
        self._lock = threading.Lock()

    def take(self, key: str, cost: int, now: datetime) -> float:
        """Take `cost` tokens of `key`'s bucket: 0 when granted, else the seconds until they will
        be there (nothing is taken then)."""
        return self._settle(key, cost, now, take=True)

    def wait(self, key: str, cost: int, now: datetime) -> float:
        """The seconds until `key`'s bucket holds `cost` tokens (0: it does); takes nothing."""
        return self._settle(key, cost, now, take=False)

    def _settle(self, key: str, cost: int, now: datetime, *, take: bool) -> float:
        if cost > self._burst:
            raise ValueError(f"a cost of {cost} exceeds the burst of {self._burst}: never granted")
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(self._burst, now))
            # A clock set back (or a replay's earlier moment) refills nothing.
            elapsed = max((now - bucket.updated_at).total_seconds(), 0.0)
            bucket.tokens = min(self._burst, bucket.tokens + elapsed * self._per_second)
            bucket.updated_at = max(now, bucket.updated_at)
            if cost > bucket.tokens:
                return (cost - bucket.tokens) / self._per_second
            if take:
                bucket.tokens -= cost
            return 0.0
