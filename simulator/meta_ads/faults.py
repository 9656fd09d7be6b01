"""Meta's failures and bad data, armed on purpose so clients' error paths can be exercised."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class MetaFault(StrEnum):
    THROTTLE = "throttle"  # a rate-limit error whose usage header announces the wait
    SERVER_ERROR = "server_error"  # HTTP 500 with Graph code 2, marked transient
    TIMEOUT = "timeout"  # the answer only comes after `delay_seconds`


class UsageHeader(StrEnum):
    """The header a throttling answer announces the wait in, each in its own unit."""

    BUSINESS_USE_CASE = "X-Business-Use-Case-Usage"  # estimated_time_to_regain_access, minutes
    AD_ACCOUNT = "X-Ad-Account-Usage"  # reset_time_duration, seconds
    APP = "X-App-Usage"  # percentages only, no time


class MetaEndpoint(StrEnum):
    ACCOUNT = "account"
    INSIGHTS = "insights"  # synchronous reads, report runs (creation, status, result pages)
    ENTITIES = "entities"  # campaigns, ad sets, ads


class RowDefect(StrEnum):
    NON_NUMERIC_SPEND = "non_numeric_spend"
    MISSING_AD_ID = "missing_ad_id"
    BAD_HOUR = "bad_hour"
    TRUNCATED = "truncated"


class ReportRunEnd(StrEnum):
    FAILED = "Job Failed"
    SKIPPED = "Job Skipped"


@dataclass(frozen=True)
class MetaFailure:
    kind: MetaFault
    code: int = 17
    regain_minutes: int = 0
    usage_header: UsageHeader = UsageHeader.BUSINESS_USE_CASE
    delay_seconds: float = 1.0
    account_id: str | None = None  # None: any account
    endpoint: MetaEndpoint | None = None  # None: any endpoint

    def applies_to(self, account_id: str, endpoint: MetaEndpoint) -> bool:
        return self.account_id in (None, account_id) and self.endpoint in (None, endpoint)


@dataclass(frozen=True)
class CurrencyChange:
    currency: str
    from_date: date  # account-local


class MetaFaults:
    """Failures injected on purpose so clients' error paths can be exercised.

    Thread-safe: tests arm faults while the server's worker threads consume them.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._meta_failures: deque[MetaFailure] = deque()
        self._row_defects: deque[RowDefect] = deque()
        self._report_run_ends: deque[ReportRunEnd] = deque()
        self._expired_meta_accounts: set[str] = set()
        self._currency_changes: dict[str, CurrencyChange] = {}
        self._unknown_meta_fields = False

    def fail_meta(
        self,
        count: int,
        kind: MetaFault,
        *,
        code: int = 17,
        regain_minutes: int = 0,
        usage_header: UsageHeader = UsageHeader.BUSINESS_USE_CASE,
        delay_seconds: float = 1.0,
        account_id: str | None = None,
        endpoint: MetaEndpoint | None = None,
    ) -> None:
        """Make the next `count` matching Meta requests fail with `kind`, in order.

        `code` is the Graph error code of a throttle (4, 17, 32, 613, 80000-80014);
        `delay_seconds` how long a timed-out request is held before it is answered.
        """
        failure = MetaFailure(
            kind, code, regain_minutes, usage_header, delay_seconds, account_id, endpoint
        )
        with self._lock:
            self._meta_failures.extend([failure] * count)

    def take_meta_failure(self, account_id: str, endpoint: MetaEndpoint) -> MetaFailure | None:
        if not self._meta_failures:  # the common case, without taking the lock
            return None
        with self._lock:
            for failure in self._meta_failures:
                if failure.applies_to(account_id, endpoint):
                    self._meta_failures.remove(failure)
                    return failure
            return None

    def malform_meta_rows(self, count: int, defect: RowDefect) -> None:
        """Damage the next `count` insights rows served, inside otherwise valid pages."""
        with self._lock:
            self._row_defects.extend([defect] * count)

    def take_meta_row_defect(self) -> RowDefect | None:
        if not self._row_defects:  # checked per row: stay lock-free when nothing is armed
            return None
        with self._lock:
            return self._row_defects.popleft() if self._row_defects else None

    def add_unknown_meta_fields(self, enabled: bool = True) -> None:
        """Serve fields and action types this simulator's clients have never heard of."""
        with self._lock:
            self._unknown_meta_fields = enabled

    @property
    def unknown_meta_fields(self) -> bool:
        return self._unknown_meta_fields

    def expire_meta_token(self, account_id: str) -> None:
        """The access token of the merchant owning `account_id` expires (Graph 190/463)."""
        with self._lock:
            self._expired_meta_accounts.add(account_id)

    def restore_meta_token(self, account_id: str) -> None:
        """The merchant reconnected: the token works again."""
        with self._lock:
            self._expired_meta_accounts.discard(account_id)

    def meta_token_expired(self, account_id: str) -> bool:
        with self._lock:
            return account_id in self._expired_meta_accounts

    def end_meta_report_runs(self, count: int, end: ReportRunEnd = ReportRunEnd.FAILED) -> None:
        """Make the next `count` async report runs created end with `end` instead of data."""
        with self._lock:
            self._report_run_ends.extend([end] * count)

    def take_meta_report_run_end(self) -> ReportRunEnd | None:
        with self._lock:
            return self._report_run_ends.popleft() if self._report_run_ends else None

    def change_meta_currency(self, account_id: str, currency: str, from_date: date) -> None:
        """From the account-local `from_date` on, the account reports in `currency`."""
        with self._lock:
            self._currency_changes[account_id] = CurrencyChange(currency, from_date)

    def meta_currency_change(self, account_id: str) -> CurrencyChange | None:
        with self._lock:
            return self._currency_changes.get(account_id)

    def clear(self) -> None:
        with self._lock:
            self._meta_failures.clear()
            self._row_defects.clear()
            self._report_run_ends.clear()
            self._expired_meta_accounts.clear()
            self._currency_changes.clear()
            self._unknown_meta_fields = False
