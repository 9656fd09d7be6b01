"""What every connector shares on the wire: retry pacing, a per-account request budget, and
usage counters the orchestration records per connection."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

# Failures where the request may never have reached the platform, or its answer was lost.
RETRYABLE_TRANSPORT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass
class SyncUsage:
    """What a sync cost, read by the orchestration into materialization metadata."""

    requests: int = 0
    pages: int = 0
    retries: int = 0


class RequestBudgetExhausted(RuntimeError):
    """The account used up its requests for this sync; the rest is left to the next run."""


@dataclass
class RetryPolicy:
    max_retries: int = 5
    backoff_base_seconds: float = 1.0
    max_backoff_seconds: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def backoff(self, attempt: int) -> float:
        # Equal jitter: at least half the exponential step, so retries from parallel syncs
        # spread out without ever retrying immediately.
        step = min(self.max_backoff_seconds, self.backoff_base_seconds * 2**attempt)
        return step / 2 + random.uniform(0, step / 2)

    def wait(self, attempt: int, server_hint_seconds: float = 0.0) -> None:
        """Sleep before retry number `attempt + 1`; the server's hint wins when it is longer."""
        self.sleep(min(max(self.backoff(attempt), server_hint_seconds), self.max_backoff_seconds))


@dataclass
class RequestBudget:
    """At most `max_requests` requests per account per sync, retries included, so one
    misbehaving account cannot eat a platform's app-wide quota for every merchant."""

    max_requests: int = 2_000
    used: int = 0

    def spend(self, context: str) -> None:
        if self.used >= self.max_requests:
            raise RequestBudgetExhausted(
                f"{context}: request budget of {self.max_requests} for this sync used up; "
                "the next run continues"
            )
        self.used += 1
