"""Client for the Meta Marketing (Graph) API: the ad account, hourly ad-level insights and the
campaigns, ad sets and ads they name.

Points at `https://graph.facebook.com` in production and at the simulator in tests; nothing
else differs. Errors are decided by Graph's `error.code`, as Meta documents them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

import httpx
from pydantic import ValidationError

from orchestration.connectors.http import (
    Failed,
    HttpConnector,
    ReconnectRequired,
    RequestBudget,
    RetryAfter,
    RetryPolicy,
    Succeeded,
    Verdict,
)
from orchestration.connectors.meta_ads.async_reports import ReportRunState
from orchestration.connectors.meta_ads.entities import (
    EFFECTIVE_STATUSES,
    ENTITY_FIELDS,
    EntityLevel,
    MetaEntity,
    parse_entity,
)
from orchestration.connectors.meta_ads.records import (
    HOURLY_BREAKDOWN,
    MetaAdAccount,
    MetaAdInsightHour,
    parse_insight_row,
)
from orchestration.connectors.quarantine import MalformedRow, validation_reason

DEFAULT_PURCHASE_ACTION_TYPE = "omni_purchase"
# Meta's rate-limit error codes: app (4), user (17), page (32), custom (613) and the
# business-use-case family (80000-80014).
THROTTLING_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
# "Unknown error" and "service temporarily unavailable": Meta documents both as worth a retry.
TRANSIENT_CODES = frozenset({1, 2})
# An expired, revoked or otherwise invalid access token: only the merchant can fix it.
TOKEN_ERROR_CODE = 190
_TOKEN_PROBLEMS = {
    463: "has expired",
    460: "was invalidated when the password changed",
    458: "was revoked: the app is no longer authorized",
    467: "was invalidated (the user logged out)",
}

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


class MetaTokenError(MetaApiError, ReconnectRequired):
    """The merchant's access token no longer works (Graph code 190): never retried, because
    only the merchant reconnecting Meta Ads issues a new one."""


class MetaReportRunError(MetaApiError):
    """An async report run ended without data (failed, skipped) or never finished."""


class MetaAdsClient(HttpConnector):
    """One sync's view of the Graph API for one access token.

    Every account it reads gets its own request budget; `usage` counts what the sync cost.
    """

    def __init__(
        self,
        base_url: str,
        api_version: str,
        access_token: str,
        *,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        max_requests_per_account: int = 2_000,
        purchase_action_type: str = DEFAULT_PURCHASE_ACTION_TYPE,
        page_size: int = 500,
        async_threshold_days: int = 7,
        report_poll_seconds: float = 5.0,
        report_max_polls: int = 120,
    ) -> None:
        self._base_url = f"{base_url.rstrip('/')}/{api_version}"
        # A header rather than the `access_token` parameter Graph also accepts: a token in a
        # URL ends up in proxy and server logs.
        self._headers = {"Authorization": f"Bearer {access_token}"}
        super().__init__(http=http, timeout=timeout, retry=retry)
        self._max_requests_per_account = max_requests_per_account
        self._budgets: dict[str, RequestBudget] = {}
        self._purchase_action_type = purchase_action_type
        self._page_size = page_size
        self._async_threshold_days = async_threshold_days
        self._report_poll_seconds = report_poll_seconds
        self._report_max_polls = report_max_polls

    def get_account(self, account_id: str) -> MetaAdAccount:
        account_id = _bare_account_id(account_id)
        payload = self._request(
            "GET", f"act_{account_id}", {"fields": ",".join(_ACCOUNT_FIELDS)}, account_id
        )
        try:
            return MetaAdAccount.from_graph(payload)
        except ValidationError as exc:
            raise MetaApiError(
                None, None, f"ad account act_{account_id}: {validation_reason(exc)}", None
            ) from exc

    def iter_hourly_insights(
        self, account_id: str, since: date, until: date
    ) -> Iterator[MetaAdInsightHour | MalformedRow]:
        """Ad-level insights per account-local hour for the account-local days since..until.

        Ranges longer than `async_threshold_days` are read through an async report run, as
        Meta recommends for large results. Rows that do not parse come as MalformedRow, in
        place, and the read goes on.
        """
        if since > until:
            raise ValueError(f"since {since} is after until {until}")
        account_id = _bare_account_id(account_id)
        params = {
            "level": "ad",
            "fields": ",".join(INSIGHTS_FIELDS),
            "time_range": json.dumps({"since": since.isoformat(), "until": until.isoformat()}),
            "time_increment": "1",
            "breakdowns": HOURLY_BREAKDOWN,
            # Deleted and archived ads included: see EFFECTIVE_STATUSES.
            "filtering": json.dumps(
                [
                    {
                        "field": "ad.effective_status",
                        "operator": "IN",
                        "value": list(EFFECTIVE_STATUSES[EntityLevel.AD]),
                    }
                ]
            ),
        }
        if (until - since).days + 1 > self._async_threshold_days:
            rows = self._report_run_rows(account_id, params, since, until)
        else:
            rows = self._rows(f"act_{account_id}/insights", params, account_id)
        return (parse_insight_row(row, self._purchase_action_type) for row in rows)

    def iter_campaigns(self, account_id: str) -> Iterator[MetaEntity | MalformedRow]:
        return self._entities(account_id, EntityLevel.CAMPAIGN)

    def iter_adsets(self, account_id: str) -> Iterator[MetaEntity | MalformedRow]:
        return self._entities(account_id, EntityLevel.ADSET)

    def iter_ads(self, account_id: str) -> Iterator[MetaEntity | MalformedRow]:
        return self._entities(account_id, EntityLevel.AD)

    def _entities(self, account_id: str, level: EntityLevel) -> Iterator[MetaEntity | MalformedRow]:
        account_id = _bare_account_id(account_id)
        params = {
            "fields": ",".join(ENTITY_FIELDS[level]),
            "effective_status": json.dumps(list(EFFECTIVE_STATUSES[level])),
        }
        rows = self._rows(f"act_{account_id}/{level.edge}", params, account_id)
        return (parse_entity(row, level) for row in rows)

    def _report_run_rows(
        self, account_id: str, params: Mapping[str, str], since: date, until: date
    ) -> Iterator[Any]:
        created = self._request("POST", f"act_{account_id}/insights", params, account_id)
        run_id = str(created.get("report_run_id") or "")
        what = f"ad account act_{account_id}: Meta report run {run_id or '?'} for {since}..{until}"
        if not run_id:
            raise MetaReportRunError(None, None, f"{what}: no report_run_id in {created}", None)
        for _ in range(self._report_max_polls):
            try:
                state = ReportRunState.from_graph(self._request("GET", run_id, {}, account_id))
            except ValidationError as exc:
                raise MetaReportRunError(
                    None, None, f"{what}: unreadable status: {validation_reason(exc)}", None
                ) from exc
            if state.completed:
                break
            if state.ended_without_data:
                raise MetaReportRunError(
                    None,
                    None,
                    f"{what} ended with {state.status!r} at {state.percent_completion}%; "
                    "the range is left for the next run (smaller ranges fail less often)",
                    None,
                )
            self._retry.sleep(self._report_poll_seconds)
        else:
            raise MetaReportRunError(
                None,
                None,
                f"{what} did not complete after {self._report_max_polls} polls "
                f"{self._report_poll_seconds:g} s apart; the next run asks again",
                None,
            )
        yield from self._rows(f"{run_id}/insights", {}, account_id)

    def _rows(self, path: str, params: Mapping[str, str], account_id: str) -> Iterator[Any]:
        """Every row of a paged edge, following `paging.cursors.after` while `next` exists.

        The cursor is sent as a parameter rather than by following the `next` link, which
        may carry an access token in its URL.
        """
        page_params = {**params, "limit": str(self._page_size)}
        while True:
            payload = self._request("GET", path, page_params, account_id)
            self.usage.pages += 1
            yield from payload.get("data") or ()
            paging = payload.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return
            page_params = {**page_params, "after": after}

    def _request(
        self, method: str, path: str, params: Mapping[str, str], account_id: str
    ) -> dict[str, Any]:
        url = f"{self._base_url}/{path}"
        context = f"ad account act_{account_id}"
        budget = self._budgets.setdefault(
            account_id, RequestBudget(max_requests=self._max_requests_per_account)
        )
        return self._send_with_retries(
            lambda: self._http.request(
                method, url, params=params, headers=self._headers, timeout=self._timeout
            ),
            lambda response: self._classify(response, context),
            transport_failure=lambda exc: MetaApiError(
                None, None, f"{context}: {type(exc).__name__}: {exc}", None
            ),
            give_up=_gave_up,
            budget=budget,
            context=context,
        )

    def _classify(
        self, response: httpx.Response, context: str
    ) -> Verdict[dict[str, Any], MetaApiError]:
        payload = _json_or_none(response)
        error = payload.get("error") if isinstance(payload, dict) else None
        if response.is_success and isinstance(payload, dict) and error is None:
            return Succeeded(payload)
        failure = _api_error(response, error, context)
        if not _retryable(failure, response, error):
            return Failed(failure)
        if failure.code not in THROTTLING_CODES:
            return RetryAfter(failure)
        wait_hint = _seconds_to_regain_access(response, self._retry)
        if wait_hint > self._retry.max_backoff_seconds:
            # Calling before access is back only prolongs the block.
            return Failed(
                MetaApiError(
                    failure.code,
                    failure.subcode,
                    f"{failure.message} — Meta asks to wait {wait_hint:g} s, longer than a "
                    f"sync waits ({self._retry.max_backoff_seconds:g} s); the next run continues",
                    failure.fbtrace_id,
                )
            )
        return RetryAfter(failure, wait_hint)


def _gave_up(failure: MetaApiError, retries: int) -> MetaApiError:
    return MetaApiError(
        failure.code,
        failure.subcode,
        f"{failure.message} (gave up after {retries} retries)",
        failure.fbtrace_id,
    )


def _bare_account_id(account_id: str) -> str:
    return account_id.removeprefix("act_")


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _retryable(failure: MetaApiError, response: httpx.Response, error: Any) -> bool:
    if failure.code in THROTTLING_CODES or failure.code in TRANSIENT_CODES:
        return True
    if isinstance(error, dict):
        return response.status_code >= 500 or error.get("is_transient") is True
    # No Graph error at all: a 5xx from a proxy, or a success whose body did not arrive whole.
    return response.status_code >= 500 or response.is_success


def _api_error(response: httpx.Response, error: Any, context: str) -> MetaApiError:
    if not isinstance(error, dict):
        return MetaApiError(
            None, None, f"{context}: HTTP {response.status_code} without a Graph error", None
        )
    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
    detail = (
        f"Meta error {code}{f'/{subcode}' if subcode is not None else ''} "
        f"(HTTP {response.status_code}): {error.get('message', 'no message')}"
    )
    if code == TOKEN_ERROR_CODE:
        problem = _TOKEN_PROBLEMS.get(subcode or 0, "is not valid")
        return MetaTokenError(
            code,
            subcode,
            f"{context}: the Meta access token {problem} ({detail}). The merchant must "
            "reconnect Meta Ads in metricx to grant a new token; retrying cannot fix this.",
            error.get("fbtrace_id"),
        )
    return MetaApiError(code, subcode, f"{context}: {detail}", error.get("fbtrace_id"))


def _seconds_to_regain_access(response: httpx.Response, retry: RetryPolicy) -> float:
    """How long Meta says to wait, from whichever usage headers it sent.

    `X-Business-Use-Case-Usage` announces `estimated_time_to_regain_access` in minutes,
    `X-Ad-Account-Usage` `reset_time_duration` in seconds; `X-App-Usage` only gives
    percentages of a rolling hour, so an app at 100% waits as long as the policy allows.
    """
    waits = [0.0]
    business = _header_json(response, "X-Business-Use-Case-Usage")
    if isinstance(business, dict):
        for entries in business.values():
            for entry in entries if isinstance(entries, list) else ():
                if isinstance(entry, dict):
                    waits.append(60.0 * _number(entry.get("estimated_time_to_regain_access")))
    ad_account = _header_json(response, "X-Ad-Account-Usage")
    if isinstance(ad_account, dict):
        waits.append(_number(ad_account.get("reset_time_duration")))
    app = _header_json(response, "X-App-Usage")
    if isinstance(app, dict) and any(_number(share) >= 100 for share in app.values()):
        waits.append(retry.max_backoff_seconds)
    return max(waits)


def _header_json(response: httpx.Response, name: str) -> Any:
    raw = response.headers.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _number(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return 0.0
    try:
        return float(raw)
    except ValueError:
        return 0.0
