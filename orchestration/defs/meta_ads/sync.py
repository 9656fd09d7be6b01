"""One connection's Meta insights sync over a run's windows, independent of Dagster."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime

from orchestration.connectors.meta_ads.client import MetaAdsClient
from orchestration.connectors.meta_ads.records import MetaAdInsightHour
from orchestration.lib.resources import SyncTarget
from orchestration.lib.windows import Window
from warehouse.connection import Warehouse
from warehouse.raw_tables import META_ADS_INSIGHTS_HOURLY

DEFAULT_PURCHASE_ACTION_TYPE = "omni_purchase"


@dataclass
class ConnectionOutcome:
    connection_id: str
    workspace_id: str
    account_id: str
    windows: int = 0
    rows: int = 0
    requests: int = 0
    pages: int = 0
    retries: int = 0
    error: str | None = None

    def as_metadata(self) -> dict[str, object]:
        return {key: value for key, value in asdict(self).items() if value is not None}


def sync_insights(
    target: SyncTarget, client: MetaAdsClient, windows: list[Window], warehouse: Warehouse
) -> ConnectionOutcome:
    """Land one capture per window: the account-local day so far, up to the window's hour.

    Meta reports hourly at best, so a window's capture is the day's hourly rows up to the hour
    the window starts in. The rows of a day are fetched once per run and cut per window, which
    keeps a backfill at one request series per day instead of one per window.
    """
    outcome = ConnectionOutcome(
        target.connection_id, target.workspace_id, target.external_account_id
    )
    try:
        account = client.get_account(target.external_account_id)
        windows_by_day: dict[date, list[tuple[Window, int]]] = defaultdict(list)
        for window in windows:
            day, hour = window.local_day_and_hour(account.timezone_name)
            windows_by_day[day].append((window, hour))
        for day, day_windows in sorted(windows_by_day.items()):
            hours = list(client.iter_hourly_insights(target.external_account_id, day, day))
            for window, hour in day_windows:
                capture = [row for row in hours if row.hour_of_day <= hour]
                outcome.rows += warehouse.replace_slice(
                    META_ADS_INSIGHTS_HOURLY,
                    workspace_id=target.workspace_id,
                    connection_id=target.connection_id,
                    window_start=window.start,
                    window_end=window.end,
                    landed_at=datetime.now(UTC),
                    rows=[_raw_row(row, account.timezone_name) for row in capture],
                )
                outcome.windows += 1
    except Exception as exc:  # one merchant's failure must not stop the others' sync
        outcome.error = f"{type(exc).__name__}: {exc}"
    finally:
        outcome.requests, outcome.pages, outcome.retries = (
            client.requests,
            client.pages,
            client.retries,
        )
    return outcome


def _raw_row(row: MetaAdInsightHour, timezone: str) -> tuple[object, ...]:
    # The record's fields carry the raw table's column names; only the timezone comes from the
    # account.
    return META_ADS_INSIGHTS_HOURLY.row_values({**_fields_of(row), "account_timezone": timezone})


def _fields_of(row: MetaAdInsightHour) -> dict[str, object]:
    return {field.name: getattr(row, field.name) for field in fields(row)}
