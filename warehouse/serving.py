"""Readers never wait on the writer.

DuckDB allows one read-write process per file, and a read-only open fails while a writer holds
it. So on DuckDB the pipeline publishes the marts into a separate serving file after each
successful build (copy to a temporary file, then an atomic rename), and the API and analysts
read only that file. PostgreSQL has MVCC: readers query the warehouse itself. On both, each
publication records a new version (warehouse/publication.py) that readers can ask for cheaply.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from warehouse.connection import (
    DuckDBWarehouse,
    Params,
    Warehouse,
    WarehouseReader,
    fetch_all_on_cursor,
    rows_as_dicts,
    to_psycopg_sql,
)
from warehouse.publication import PUBLISHED_VERSION_SQL, Publication, record_publication
from warehouse.url import WarehouseUrl, parse_warehouse_url

if TYPE_CHECKING:
    import psycopg

SERVED_SCHEMAS = ("marts",)
# PostgreSQL connections a serving reader keeps: the dashboard's concurrent sections
# (api/dashboard/service.py) and a request or two beside them.
SERVING_CONNECTIONS = 6
# Optimizer passes that cost the API's statements more planning than they save: every statement
# reads one workspace's days, a few thousand rows, and most of its time is planning MetricFlow's
# SQL, which DuckDB redoes on every execution. `join_order`: MetricFlow answers several metrics
# with one statement that cross-joins their single-row aggregates (or full-joins them on the
# group-by keys, as written), there is no order to choose, and the search cost four times the rest
# of planning such a statement (11 KPIs: 29 ms → 7 ms, measured). The others: a 7-day dashboard's
# statements on one thread 13.5 → 12.4 ms, the KPI statement 3.5 → 3.05 ms (50 merchants, same
# rows; the day range still prunes the scans, tests/api/test_day_pruning.py).
_SKIPPED_OPTIMIZERS = ",".join(
    (
        "join_order",
        "expression_rewriter",
        "statistics_propagation",
        "common_subplan",
        "projection_pullup",
    )
)
# Marts whose rows the API filters by workspace and day; stored sorted so DuckDB's zone maps
# prune to one merchant (~20x faster per-merchant queries, measured). The first date column a
# mart has is its sort key: the workspace's day before the ad account's, which the API reads.
_WORKSPACE_COLUMN = "workspace_id"
_DATE_COLUMNS = ("workspace_date_day", "date_day", "order_date", "report_date", "window_start")
# Row groups an eighth of DuckDB's default (122,880 rows), so the zone maps prune closer to one
# merchant's days: a default group holds several merchants' hourly ad rows, each read whole. At
# 50 merchants, interleaved A/B: a 30-day page's server CPU −8 to −12 %, p50 −1.2 to −2.4 ms; a
# 7-day page's −8 %, p50 −0.9 ms; the file 476 → 598 MB. 8,192 rows gained nothing, 32,768 half.
_SERVING_ROW_GROUP_ROWS = 16_384


class WarehouseUnavailable(RuntimeError):
    """No published marts to read yet (the pipeline has not completed a build)."""


def serving_path(url: WarehouseUrl) -> Path:
    path = url.duckdb_path
    return path.with_name(f"{path.stem}.serving{path.suffix or '.duckdb'}")


def publish_marts(warehouse: Warehouse) -> Publication:
    """Make what the marts hold now the readers' version: record a new publication, and on
    DuckDB copy the marts (the publication with them) into the serving file."""
    publication = record_publication(warehouse)
    if isinstance(warehouse, DuckDBWarehouse):
        publish_serving_copy(warehouse)
    return publication


def publish_serving_copy(warehouse: DuckDBWarehouse) -> Path:
    """Copy the served schemas into a fresh file and atomically swap it in for readers."""
    target = serving_path(warehouse.url)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    with warehouse.transaction():
        tables = warehouse.fetch_all(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database() AND table_type = 'BASE TABLE' "
            f"AND table_schema IN ({', '.join(repr(s) for s in SERVED_SCHEMAS)})"
        )
    warehouse.execute(
        f"ATTACH '{staging}' AS serving_copy (ROW_GROUP_SIZE {_SERVING_ROW_GROUP_ROWS})"
    )
    try:
        for schema in SERVED_SCHEMAS:
            warehouse.execute(f"CREATE SCHEMA serving_copy.{schema}")
        for table in tables:
            name = f"{table['table_schema']}.{table['table_name']}"
            columns = {
                row["column_name"]
                for row in warehouse.fetch_all(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = :schema AND table_name = :name",
                    {"schema": table["table_schema"], "name": table["table_name"]},
                )
            }
            dates = [column for column in _DATE_COLUMNS if column in columns][:1]
            order = [_WORKSPACE_COLUMN, *dates] if _WORKSPACE_COLUMN in columns else dates
            order_by = f" ORDER BY {', '.join(order)}" if order else ""
            warehouse.execute(f"CREATE TABLE serving_copy.{name} AS SELECT * FROM {name}{order_by}")
    finally:
        warehouse.execute("DETACH serving_copy")
    os.replace(staging, target)
    return target


class DuckDBServingReader:
    """Read-only view of the latest published serving file; follows each new publication."""

    backend = "duckdb"

    def __init__(self, url: WarehouseUrl) -> None:
        self.url = url
        self._path = serving_path(url)
        self._lock = threading.Lock()
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._inode: int | None = None
        self._version: str | None = None

    def published_version(self) -> str | None:
        # Read once per serving file, when the reader opens it: a publication is a new file, so
        # asking costs a stat() while the file stays the same.
        with self._follow_publication():
            return self._version

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        with self._follow_publication() as connection:
            return connection.cursor()

    @contextmanager
    def _follow_publication(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The connection to the latest serving file, reopened when a new one was published;
        held under the lock, which the version read with it shares."""
        try:
            inode = self._path.stat().st_ino
        except FileNotFoundError:
            raise WarehouseUnavailable(
                f"no published marts at {self._path}: run the pipeline (`metricx demo --once`)"
            ) from None
        with self._lock:
            if inode != self._inode or self._connection is None:
                # Queries still running on the previous file finish on it: a rename does not
                # take an open file's data away on POSIX.
                if self._connection is not None:
                    self._connection.close()
                self._connection = duckdb.connect(str(self._path), read_only=True)
                self._connection.execute("SET TimeZone = 'UTC'")
                self._connection.execute(f"SET disabled_optimizers = '{_SKIPPED_OPTIMIZERS}'")
                # The API runs a request's queries at once, each on a thread of its own; DuckDB's
                # worker threads on top only hand the small scans back and forth (at 50
                # merchants: p50 −1 to −4 ms, resident memory −20 MB, measured).
                self._connection.execute("SET threads = 1")
                self._inode = inode
                self._version = _version_in(self._connection)
            yield self._connection

    def fetch_all(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        return fetch_all_on_cursor(self._cursor(), sql, params)

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def _version_in(connection: duckdb.DuckDBPyConnection) -> str | None:
    try:
        rows = fetch_all_on_cursor(connection.cursor(), PUBLISHED_VERSION_SQL)
    except duckdb.CatalogException:  # a file published before publications were recorded
        return None
    return rows[0]["version"] if rows else None


class PostgresServingReader:
    """Reads on a few connections of their own, so the queries of one request (the dashboard's
    sections) and of concurrent requests run at once instead of queueing on one connection."""

    backend = "postgres"

    def __init__(self, url: WarehouseUrl, connections: int = SERVING_CONNECTIONS) -> None:
        # Imported here, as the warehouse's own connection does (warehouse/connection.py).
        import psycopg

        self._undefined_table = psycopg.errors.UndefinedTable
        self.url = url
        self._idle: queue.LifoQueue[psycopg.Connection[Any]] = queue.LifoQueue()
        for _ in range(connections):
            connection = psycopg.connect(url.postgres_dsn, autocommit=True)
            connection.execute("SET TIME ZONE 'UTC'")
            # A merchant's query reads one workspace's days, but the planner's estimate for
            # MetricFlow's nested SQL over a whole mart passes jit_above_cost, and compiling it
            # costs more than running it (hundreds of ms a statement).
            connection.execute("SET jit = off")
            self._idle.put(connection)
        self._connections = connections

    def published_version(self) -> str | None:
        try:
            rows = self.fetch_all(PUBLISHED_VERSION_SQL)
        except self._undefined_table:
            return None
        return rows[0]["version"] if rows else None

    def fetch_all(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        connection = self._idle.get()
        try:
            with connection.cursor() as cursor:
                cursor.execute(to_psycopg_sql(sql), params)
                return rows_as_dicts(cursor.description, cursor.fetchall())
        finally:
            self._idle.put(connection)

    def close(self) -> None:
        for _ in range(self._connections):
            self._idle.get().close()


def open_serving_reader(url: str) -> WarehouseReader:
    parsed = parse_warehouse_url(url)
    if parsed.backend == "duckdb":
        return DuckDBServingReader(parsed)
    return PostgresServingReader(parsed)
