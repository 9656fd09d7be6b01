"""What every connector shares on the wire: one request loop (budget, send, classify, retry),
retry pacing, a per-account request budget, and usage counters the orchestration records per
connection."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Generic, Self, TypeAlias, TypeVar

import httpx

# Failures where the request may never have reached the platform, or its answer was lost.
RETRYABLE_TRANSPORT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


T = TypeVar("T")
R = TypeVar("R")
E = TypeVar("E", bound=Exception)  # the platform's own error class


class ReconnectRequired(Exception):
    """Mixed into a platform's error when it refused the merchant's credentials (expired,
    revoked): only the merchant reconnecting fixes it, so no run retries it."""


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


@dataclass(frozen=True)
class Succeeded(Generic[T]):
    value: T


@dataclass(frozen=True)
class RetryAfter(Generic[E]):
    """Worth another attempt, backing off at least `seconds` (the platform's hint); None when
    the classifier already removed the cause (a new token, a refilled bucket) and no backoff
    is due."""

    failure: E
    seconds: float | None = 0.0


@dataclass(frozen=True)
class Failed:
    failure: Exception


# What a classifier makes of one answer: the value, a retry after a failure of the platform's
# error class E, or a failure no retry fixes.
Verdict: TypeAlias = Succeeded[T] | RetryAfter[E] | Failed


def send_with_retries(
    send: Callable[[], R],
    classify: Callable[[R], Verdict[T, E]],
    *,
    retry: RetryPolicy,
    transport_failure: Callable[[Exception], E],
    give_up: Callable[[E, int], Exception],
    usage: SyncUsage | None = None,
    budget: RequestBudget | None = None,
    context: str = "",
    before_each: Callable[[], None] | None = None,
) -> T:
    """Send until `classify` says the answer is good or hopeless, or the policy's retries are
    spent (`give_up(last failure, retries)` is raised then).

    Every attempt spends from `budget` and counts in `usage`; transport errors are retried as
    `transport_failure(exc)`. `before_each` runs before every attempt, before its budget is
    spent (refreshing a token, waiting for a rate bucket).
    """
    attempt = 0
    while True:
        if before_each is not None:
            before_each()
        if budget is not None:
            budget.spend(context)
        if usage is not None:
            usage.requests += 1
        try:
            answer = send()
        except RETRYABLE_TRANSPORT_ERRORS as exc:
            verdict: Verdict[T, E] = RetryAfter(transport_failure(exc))
        else:
            verdict = classify(answer)
        if isinstance(verdict, Succeeded):
            return verdict.value
        if isinstance(verdict, Failed):
            raise verdict.failure
        if attempt >= retry.max_retries:
            raise give_up(verdict.failure, attempt)
        if verdict.seconds is not None:
            retry.wait(attempt, verdict.seconds)
        attempt += 1
        if usage is not None:
            usage.retries += 1


class HttpConnector:
    """What every platform client (and Google's OAuth token refresher) shares: its httpx client
    (owned unless one is passed in, and closed with the connector), its timeout and retry
    policy, and what its requests cost."""

    def __init__(
        self, *, http: httpx.Client | None, timeout: float, retry: RetryPolicy | None
    ) -> None:
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client()
        self._timeout = timeout
        self._retry = retry if retry is not None else RetryPolicy()
        self.usage = SyncUsage()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def _send_with_retries(
        self,
        send: Callable[[], R],
        classify: Callable[[R], Verdict[T, E]],
        *,
        transport_failure: Callable[[Exception], E],
        give_up: Callable[[E, int], Exception],
        budget: RequestBudget | None = None,
        context: str = "",
        before_each: Callable[[], None] | None = None,
    ) -> T:
        """`send_with_retries` under this connector's retry policy, counted in its `usage`."""
        return send_with_retries(
            send,
            classify,
            retry=self._retry,
            transport_failure=transport_failure,
            give_up=give_up,
            usage=self.usage,
            budget=budget,
            context=context,
            before_each=before_each,
        )
