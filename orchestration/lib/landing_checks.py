"""Asset checks every landing asset gets: did every connection land, and is what landed sane.

They look only at the windows of the run being checked, so their cost follows the run, not the
history.
"""

from collections.abc import Sequence
from datetime import datetime

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from orchestration.lib.connections import CONNECTION_TAG
from orchestration.lib.resources import AppDatabaseResource, WarehouseResource
from orchestration.lib.windows import WINDOW
from orchestration.partitions import window_start
from warehouse.raw_tables import RAW_SCHEMA, RawTable


def run_window_bounds(context: AssetCheckExecutionContext) -> tuple[datetime, datetime]:
    """The [start, end) the checked run covered, from its partition tags."""
    tags = context.run.tags
    first = tags.get(ASSET_PARTITION_RANGE_START_TAG) or tags.get(PARTITION_NAME_TAG)
    last = tags.get(ASSET_PARTITION_RANGE_END_TAG) or first
    if first is None or last is None:
        raise ValueError("landing checks run with a partitioned materialization of their asset")
    return window_start(first), window_start(last) + WINDOW


def build_landing_checks(
    asset_key: AssetKey, table: RawTable, provider: str, *, last_window_only: bool = False
) -> Sequence[AssetChecksDefinition]:
    """The checks of one landing asset. `last_window_only`: the asset lands only the run's last
    window (a platform that tells only the current state), so only that window is checked."""
    in_run = "window_start >= :start AND window_start < :end"

    def checked_bounds(context: AssetCheckExecutionContext) -> tuple[datetime, datetime]:
        start, end = run_window_bounds(context)
        return (end - WINDOW, end) if last_window_only else (start, end)

    @asset_check(
        asset=asset_key,
        name="every_active_connection_landed",
        description=f"Every active {provider} connection landed each window of the run; a "
        "connection whose credentials the platform refused fails it until the merchant "
        "reconnects.",
        # Not blocking: one merchant's missing slices must not hold back every other merchant's
        # models (the same reason the landing run does not fail on a needed reconnect).
    )
    def every_active_connection_landed(
        context: AssetCheckExecutionContext,
        warehouse: WarehouseResource,
        app_database: AppDatabaseResource,
    ) -> AssetCheckResult:
        start, end = checked_bounds(context)
        windows = (end - start) // WINDOW
        expected = set(app_database.connections_meant_to_land(provider))
        # A run landing one connection early answers for that connection only.
        only = context.run.tags.get(CONNECTION_TAG)
        if only is not None:
            expected &= {only}
        with warehouse.open() as landed:
            counts = {
                row["connection_id"]: row["windows"]
                for row in landed.fetch_all(
                    f"SELECT connection_id, count(*) AS windows FROM {RAW_SCHEMA}.landing_log "
                    f"WHERE source_table = :source_table AND {in_run} GROUP BY connection_id",
                    {"source_table": table.name, "start": start, "end": end},
                )
            }
        incomplete = sorted(c for c in expected if counts.get(c, 0) < windows)
        return AssetCheckResult(
            passed=not incomplete,
            metadata={
                "windows": windows,
                "active_connections": len(expected),
                "incomplete_connections": MetadataValue.json(incomplete),
            },
        )

    @asset_check(
        asset=asset_key,
        name="no_duplicate_rows",
        description=f"No two rows of a slice share ({', '.join(table.natural_key)}).",
        blocking=True,
    )
    def no_duplicate_rows(
        context: AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> AssetCheckResult:
        start, end = checked_bounds(context)
        key = ", ".join(("connection_id", "window_start", *table.natural_key))
        with warehouse.open() as landed:
            duplicates = landed.fetch_all(
                f"SELECT count(*) AS n FROM (SELECT {key} FROM {table.qualified_name} "
                f"WHERE {in_run} GROUP BY {key} HAVING count(*) > 1) AS duplicated",
                {"start": start, "end": end},
            )[0]["n"]
        return AssetCheckResult(passed=duplicates == 0, metadata={"duplicated_keys": duplicates})

    @asset_check(
        asset=asset_key,
        name="no_negative_amounts",
        description=f"{', '.join(table.non_negative)} are never negative.",
        blocking=True,
    )
    def no_negative_amounts(
        context: AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> AssetCheckResult:
        start, end = checked_bounds(context)
        negative = " OR ".join(f"{column} < 0" for column in table.non_negative)
        with warehouse.open() as landed:
            rows = landed.fetch_all(
                f"SELECT count(*) AS n FROM {table.qualified_name} WHERE {in_run} AND ({negative})",
                {"start": start, "end": end},
            )[0]["n"]
        return AssetCheckResult(passed=rows == 0, metadata={"negative_rows": rows})

    @asset_check(
        asset=asset_key,
        name="rows_per_connection",
        description="Rows landed and rows quarantined per connection in the run; warns on any "
        "quarantined row, which a data engineer should look at in raw.quarantine.",
    )
    def rows_per_connection(
        context: AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> AssetCheckResult:
        start, end = checked_bounds(context)
        with warehouse.open() as landed:
            per_connection = landed.fetch_all(
                "SELECT connection_id, sum(row_count) AS rows_landed, "
                "sum(quarantined_count) AS rows_quarantined "
                f"FROM {RAW_SCHEMA}.landing_log WHERE source_table = :source_table AND {in_run} "
                "GROUP BY connection_id ORDER BY connection_id",
                {"source_table": table.name, "start": start, "end": end},
            )
        quarantined = sum(int(row["rows_quarantined"]) for row in per_connection)
        return AssetCheckResult(
            passed=quarantined == 0,
            severity=AssetCheckSeverity.WARN,
            metadata={
                "rows_landed": sum(int(row["rows_landed"]) for row in per_connection),
                "rows_quarantined": quarantined,
                "per_connection": MetadataValue.json(
                    [{key: str(value) for key, value in row.items()} for row in per_connection]
                ),
            },
        )

    checks = [every_active_connection_landed, rows_per_connection]
    if table.natural_key:
        checks.append(no_duplicate_rows)
    if table.non_negative:
        checks.append(no_negative_amounts)
    return checks
