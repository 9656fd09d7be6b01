"""A connection's syncs failing in a way a retry can fix, and recovering: its status `error`
while they fail, so the merchant sees it in the API and the web app rather than only a data
engineer in Dagster. What failed stays in the run's logs: an error's text may carry a platform's
request details, which are not the merchant's to read."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.appdb.models import SYNCED_STATUSES, Connection, ConnectionStatus


def record_sync_results(
    session: Session, failed: Collection[str], succeeded: Collection[str], at: datetime
) -> None:
    """`failed` connections are in error from `at` (the first failure of a streak is kept);
    `succeeded` ones in error are active again."""
    if failed:
        for connection in session.scalars(
            select(Connection).where(
                Connection.id.in_(failed), Connection.status.in_(SYNCED_STATUSES)
            )
        ):
            connection.status = ConnectionStatus.ERROR
            connection.error_since = connection.error_since or at
    if succeeded:
        for connection in session.scalars(
            select(Connection).where(
                Connection.id.in_(succeeded), Connection.status == ConnectionStatus.ERROR
            )
        ):
            connection.status = ConnectionStatus.ACTIVE
            connection.error_since = None
    session.flush()
