"""One connection's Google Ads sync over a run's windows, independent of Dagster."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, timedelta

from orchestration.connectors.google_ads.client import GoogleAdsClient
from orchestration.connectors.google_ads.records import GoogleAdsAdGroupHour
from orchestration.connectors.quarantine import MalformedRow
from orchestration.lib.resources import SyncTarget
from orchestration.lib.windows import Window
from warehouse.connection import Warehouse
from warehouse.raw_tables import GOOGLE_ADS_AD_GROUP_HOURLY

# Google keeps attributing conversions to past clicks for days; re-landing the last two local
# days on every run lets late conversions reach the warehouse.
DEFAULT_RESTATEMENT_DAYS = 2


@dataclass
class ConnectionOutcome:
    connection_id: str
    workspace_id: str
    customer_id: str
    windows: int = 0
    rows: int = 0
    quarantined: int = 0
    restated_days: int = 0
    requests: int = 0
    pages: int = 0
    retries: int = 0
    error: str | None = None

    def as_metadata(self) -> dict[str, object]:
        return {key: value for key, value in asdict(self).items() if value is not None}


def sync_ad_group_hours(
    target: SyncTarget,
    client: GoogleAdsClient,
    windows: list[Window],
    warehouse: Warehouse,
    *,
    restatement_days: int = DEFAULT_RESTATEMENT_DAYS,
) -> ConnectionOutcome:
    """Land one capture per window: the account-local day so far, up to the window's hour.

    Google reports hourly at best, so a window's capture is the day's rows up to the hour the
    window starts in. The run's last window also lands the `restatement_days` local days before
    its own in full, as Google reports them now: downstream, the latest capture of a day wins,
    so conversions that arrived late replace the earlier figures. All days are fetched in one
    request series per run; rows that do not parse are quarantined in the last window's slice.
    """
    outcome = ConnectionOutcome(
        target.connection_id, target.workspace_id, target.external_account_id
    )
    try:
        customer = client.get_customer(target.external_account_id)
        captures = [
            (window, *window.local_day_and_hour(customer.time_zone)) for window in sorted(windows)
        ]
        last_window, last_day, _ = captures[-1]
        restated = [last_day - timedelta(days=n) for n in range(restatement_days, 0, -1)]
        first_day = min([captures[0][1], *restated])
        by_day: dict[date, list[GoogleAdsAdGroupHour]] = defaultdict(list)
        malformed: list[MalformedRow] = []
        for row in client.iter_hourly_ad_group_metrics(customer.customer_id, first_day, last_day):
            if isinstance(row, MalformedRow):
                malformed.append(row)
            else:
                by_day[row.segment_date].append(row)
        for window, day, hour in captures:
            capture = [row for row in by_day[day] if row.segment_hour <= hour]
            quarantined: list[MalformedRow] = []
            if window == last_window:
                capture += [row for restated_day in restated for row in by_day[restated_day]]
                quarantined = malformed
                outcome.restated_days = len(restated)
                outcome.quarantined = len(malformed)
            outcome.rows += warehouse.replace_slice(
                GOOGLE_ADS_AD_GROUP_HOURLY,
                workspace_id=target.workspace_id,
                connection_id=target.connection_id,
                window_start=window.start,
                window_end=window.end,
                landed_at=datetime.now(UTC),
                rows=[GOOGLE_ADS_AD_GROUP_HOURLY.row_values(_fields_of(row)) for row in capture],
                quarantined=[(bad.reason, bad.payload) for bad in quarantined],
            )
            outcome.windows += 1
    except Exception as exc:  # one merchant's failure must not stop the others' sync
        outcome.error = _describe(exc)
    finally:
        outcome.requests = client.usage.requests
        outcome.pages = client.usage.pages
        outcome.retries = client.usage.retries
    return outcome


def failed_outcome(target: SyncTarget, exc: Exception) -> ConnectionOutcome:
    """The outcome of a connection whose sync could not start, e.g. unusable stored credentials."""
    return ConnectionOutcome(
        target.connection_id, target.workspace_id, target.external_account_id, error=_describe(exc)
    )


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def _fields_of(row: GoogleAdsAdGroupHour) -> dict[str, object]:
    # The record's fields carry the raw table's column names.
    return {field.name: getattr(row, field.name) for field in fields(row)}
