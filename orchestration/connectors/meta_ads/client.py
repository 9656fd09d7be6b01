"""Client for the Meta Marketing (Graph) API: ad accounts and hourly ad-level insights.

Points at `https://graph.facebook.com` in production and at the simulator in tests; nothing
else differs.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from types import TracebackType
from typing import Any

import httpx

from orchestration.connectors.meta_ads.records import MetaAdAccount, MetaAdInsightHour

# Meta's rate-limit error codes: app (4), user (17), page (32), custom (613) and the
# business-use-case family (80000-80014).
THROTTLING_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
# "Unknown error" and "service temporarily unavailable": Meta documents both as worth a retry.
TRANSIENT_CODES = frozenset({1, 2})

HOURLY_BREAKDOWN = "hourly_stats_aggregated_by_advertiser_time_zone"
INSIGHTS_FIELDS = (
    "account_id",
    "campaign_id",
    "campaign_name",
    "adset_id",
    "adset_name",
    "ad_id",
    "ad_name",
    "spend",
    "impressions",
    "inline_link_clicks",
    "actions",
    "action_values",
    "account_currency",
)
_ACCOUNT_FIELDS = ("account_id", "name", "currency", "timezone_name")
_RETRYABLE_TRANSPORT_ERRORS = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


class MetaApiError(Exception):
    """A Graph API error that retrying did not (or could not) fix.

    `code` and `subcode` are Meta's `error.code` / `error.error_subcode`; both are None when
    the failure never produced a Graph error body (transport failure, non-JSON answer).
    """

    def __init__(
        self, code: int | None, subcode: int | None, message: str, fbtrace_id: str | None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.subcode = subcode
        self.message = message
        self.fbtrace_id = fbtrace_id


class MetaAdsClient:
    def __init__(
        self,
        base_url: str,
        api_version: str,
        access_token: str,
        *,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        purchase_action_type: str = "omni_purchase",
        page_size: int = 500,
        backoff_base_seconds: float = 1.0,
        max_backoff_seconds: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base_url = f"{base_url.rstrip('/')}/{api_version}"
        self._access_token = access_token
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client()
        self._timeout = timeout
        self._max_retries = max_retries
        self._purchase_action_type = purchase_action_type
        self._page_size = page_size
        self._backoff_base_seconds = backoff_base_seconds
        self._max_backoff_seconds = max_backoff_seconds
        self._sleep = sleep
        # Usage counters, read by the orchestration to record what a sync cost.
        self.requests = 0
        self.pages = 0
        self.retries = 0

    def __enter__(self) -> MetaAdsClient:
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

    def get_account(self, account_id: str) -> MetaAdAccount:
        account_id = _bare_account_id(account_id)
        payload = self._get(f"act_{account_id}", {"fields": ",".join(_ACCOUNT_FIELDS)}, account_id)
        return MetaAdAccount.from_graph(payload)

    def iter_hourly_insights(
        self, account_id: str, since: date, until: date
    ) -> Iterator[MetaAdInsightHour]:
        """Ad-level insights per account-local hour for the account-local days since..until."""
        if since > until:
            raise ValueError(f"since {since} is after until {until}")
        return self._insight_pages(_bare_account_id(account_id), since, until)

    def _insight_pages(
        self, account_id: str, since: date, until: date
    ) -> Iterator[MetaAdInsightHour]:
        params = {
            "level": "ad",
            "fields": ",".join(INSIGHTS_FIELDS),
            "time_range": json.dumps({"since": since.isoformat(), "until": until.isoformat()}),
            "time_increment": "1",
            "breakdowns": HOURLY_BREAKDOWN,
            "limit": str(self._page_size),
        }
        while True:
            payload = self._get(f"act_{account_id}/insights", params, account_id)
            self.pages += 1
            for row in payload.get("data", []):
                yield MetaAdInsightHour.from_graph(row, self._purchase_action_type)
            paging = payload.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return
            params = {**params, "after": after}

    def _get(self, path: str, params: Mapping[str, str], account_id: str) -> dict[str, Any]:
        url = f"{self._base_url}/{path}"
        query = {**params, "access_token": self._access_token}
        attempt = 0
        while True:
            self.requests += 1
            try:
                response = self._http.get(url, params=query, timeout=self._timeout)
            except _RETRYABLE_TRANSPORT_ERRORS as exc:
                failure = MetaApiError(
                    None, None, f"ad account act_{account_id}: {type(exc).__name__}: {exc}", None
                )
                delay = self._backoff(attempt)
            else:
                payload = _json_or_none(response)
                error = payload.get("error") if isinstance(payload, dict) else None
                if response.is_success and isinstance(payload, dict) and error is None:
                    return payload
                failure = _api_error(response, error, account_id)
                if failure.code in THROTTLING_CODES:
                    delay = max(self._backoff(attempt), _seconds_to_regain_access(response))
                elif failure.code in TRANSIENT_CODES or response.status_code >= 500:
                    delay = self._backoff(attempt)
                else:
                    raise failure
            if attempt >= self._max_retries:
                raise MetaApiError(
                    failure.code,
                    failure.subcode,
                    f"{failure.message} (gave up after {attempt} retries)",
                    failure.fbtrace_id,
                )
            attempt += 1
            self.retries += 1
            self._sleep(min(delay, self._max_backoff_seconds))

    def _backoff(self, attempt: int) -> float:
        # Equal jitter: at least half the exponential step, so retries from parallel syncs
        # spread out without ever retrying immediately.
        step = min(self._max_backoff_seconds, self._backoff_base_seconds * 2**attempt)
        return step / 2 + random.uniform(0, step / 2)


def _bare_account_id(account_id: str) -> str:
    return account_id.removeprefix("act_")


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _api_error(response: httpx.Response, error: Any, account_id: str) -> MetaApiError:
    if not isinstance(error, dict):
        return MetaApiError(
            None,
            None,
            f"ad account act_{account_id}: HTTP {response.status_code} without a Graph error",
            None,
        )
    code = error.get("code")
    subcode = error.get("error_subcode")
    return MetaApiError(
        code if isinstance(code, int) else None,
        subcode if isinstance(subcode, int) else None,
        f"ad account act_{account_id}: Meta error {code}"
        f"{f'/{subcode}' if subcode is not None else ''} (HTTP {response.status_code}): "
        f"{error.get('message', 'no message')}",
        error.get("fbtrace_id"),
    )


def _seconds_to_regain_access(response: httpx.Response) -> float:
    """The longest `estimated_time_to_regain_access` (minutes) Meta announced, in seconds."""
    raw = response.headers.get("X-Business-Use-Case-Usage")
    if not raw:
        return 0.0
    try:
        usage = json.loads(raw)
        minutes = max(
            (
                float(entry.get("estimated_time_to_regain_access") or 0)
                for entries in usage.values()
                for entry in entries
            ),
            default=0.0,
        )
    except (ValueError, AttributeError, TypeError):
        return 0.0
    return 60.0 * minutes
