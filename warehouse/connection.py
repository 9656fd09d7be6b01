"""One interface over the two warehouse backends: DuckDB (embedded default) and PostgreSQL.

SQL handed to `fetch_all`/`execute` uses named parameters written `:name`; each backend
translates them to its own placeholder style.
"""

from __future__ import annotations

import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import duckdb

from metricx.lru import Lru
from warehouse.publication import PUBLISHED_VERSION_SQL
from warehouse.raw_tables import (
    CAPTURE_LOG_COLUMNS,
    CAPTURE_LOG_DDL,
    COLUMN_TYPES,
    LANDING_LOG_COLUMNS,
    LANDING_LOG_DDL,
    QUARANTINE_COLUMNS,
    QUARANTINE_DDL,
    RAW_SCHEMA,
    RAW_TABLES,
    RawTable,
    landing_log_index_ddl,
)
from warehouse.url import WarehouseUrl, parse_warehouse_url

# `:name` but not the `::type` cast operator.
_NAMED_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
WINDOW_LENGTH = timedelta(minutes=15)


def _arrow_type(kind: str) -> Any:
    import pyarrow as pa  # see _insert_rows

    return {
        "text": pa.string,
        "int": pa.int64,
        "money": lambda: pa.decimal128(18, 4),
        "decimal": lambda: pa.decimal128(38, 9),
        "date": pa.date32,
        "timestamp": lambda: pa.timestamp("us", tz="UTC"),
    }[kind]()


Params = Mapping[str, Any] | None


@dataclass(frozen=True)
class Slice:
    """What one window of one connection landed: its rows and the rows quarantined, and for
    the ad platforms' captures the rows per account-local day captured (`raw.capture_log`)."""

    window_start: datetime
    window_end: datetime
    rows: Sequence[Sequence[Any]]
    quarantined: Sequence[tuple[str, str]] = ()
    captured_days: Mapping[date, int] = field(default_factory=dict)


class WarehouseReader(Protocol):
    """What readers (the API, benchmarks) need: queries, nothing that writes."""

    backend: str

    def fetch_all(self, sql: str, params: Params = None) -> list[dict[str, Any]]: ...

    def published_version(self) -> str | None:
        """The version of the marts this reader reads now (warehouse/publication.py): a new
        one after each build the pipeline publishes, the same one until then. Cheap enough to
        ask per request. None when the marts carry no publication (built before publications
        were recorded); raises `WarehouseUnavailable` where nothing is published at all."""
        ...

    def close(self) -> None: ...


class Warehouse(ABC):
    backend: str
    url: WarehouseUrl
    # What querying a table that does not exist raises on the backend.
    _missing_table_error: type[Exception]

    def published_version(self) -> str | None:
        try:
            rows = self.fetch_all(PUBLISHED_VERSION_SQL)
        except self._missing_table_error:
            return None
        return rows[0]["version"] if rows else None

    @abstractmethod
    def fetch_all(self, sql: str, params: Params = None) -> list[dict[str, Any]]: ...

    @abstractmethod
    def execute(self, sql: str, params: Params = None) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    def ensure_raw_schema(self) -> None:
        types = COLUMN_TYPES[self.backend]
        existing: dict[str, set[str]] = {}
        for row in self.fetch_all(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = :schema",
            {"schema": RAW_SCHEMA},
        ):
            existing.setdefault(row["table_name"], set()).add(row["column_name"])
        with self.transaction():
            self._execute_in_tx(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
            for table in RAW_TABLES:
                self._execute_in_tx(table.ddl(self.backend))
                for statement in table.added_columns_ddl(
                    self.backend, existing.get(table.name, set())
                ):
                    self._execute_in_tx(statement)
                for statement in table.index_ddl(self.backend):
                    self._execute_in_tx(statement)
            self._execute_in_tx(LANDING_LOG_DDL.format(**types))
            for statement in landing_log_index_ddl(self.backend):
                self._execute_in_tx(statement)
            self._execute_in_tx(QUARANTINE_DDL.format(**types))
            self._execute_in_tx(CAPTURE_LOG_DDL.format(**types))

    def replace_slice(
        self,
        table: RawTable,
        *,
        workspace_id: str,
        connection_id: str,
        window_start: datetime,
        window_end: datetime,
        landed_at: datetime,
        rows: Sequence[Sequence[Any]],
        quarantined: Sequence[tuple[str, str]] = (),
    ) -> int:
        """Atomically replace one (source, connection, window) slice; see `replace_slices`."""
        return self.replace_slices(
            table,
            workspace_id=workspace_id,
            connection_id=connection_id,
            landed_at=landed_at,
            slices=[Slice(window_start, window_end, rows, quarantined)],
        )

    def replace_slices(
        self,
        table: RawTable,
        *,
        workspace_id: str,
        connection_id: str,
        landed_at: datetime,
        slices: Sequence[Slice],
    ) -> int:
        """Atomically replace a connection's slices, one per window, with their rows.

        A slice's `rows` hold the table's source columns in order; the slice columns are added
        here. `quarantined` holds (reason, payload) of the rows the connector could not parse,
        and `captured_days` the rows per day an ad platform's capture landed (`raw.capture_log`),
        both replaced along with the slice. A re-run of the same windows deletes what the previous
        run landed, so nothing duplicates. All the slices go in one transaction: a backfill of
        thousands of windows costs a few statements, not a few per window.
        """
        starts = sorted(piece.window_start for piece in slices)
        if len(set(starts)) != len(starts):
            raise ValueError(
                f"{table.name}: two slices of connection {connection_id} share a window"
            )
        full_rows = [
            (workspace_id, connection_id, piece.window_start, piece.window_end, landed_at, *row)
            for piece in slices
            for row in piece.rows
        ]
        log_rows = [
            (
                table.name,
                workspace_id,
                connection_id,
                piece.window_start,
                piece.window_end,
                len(piece.rows),
                len(piece.quarantined),
                landed_at,
            )
            for piece in slices
        ]
        quarantine_rows = [
            (
                table.name,
                workspace_id,
                connection_id,
                piece.window_start,
                reason,
                payload,
                landed_at,
            )
            for piece in slices
            for reason, payload in piece.quarantined
        ]
        capture_rows = [
            (
                table.name,
                workspace_id,
                connection_id,
                piece.window_start,
                day,
                row_count,
                landed_at,
            )
            for piece in slices
            for day, row_count in sorted(piece.captured_days.items())
        ]
        with self.transaction():
            for first, last in _contiguous_runs(starts):
                in_run = {"connection_id": connection_id, "first": first, "last": last}
                in_slices = (
                    "connection_id = :connection_id "
                    "AND window_start >= :first AND window_start <= :last"
                )
                self._execute_in_tx(f"DELETE FROM {table.qualified_name} WHERE {in_slices}", in_run)
                for bookkeeping in ("landing_log", "quarantine", "capture_log"):
                    self._execute_in_tx(
                        f"DELETE FROM {RAW_SCHEMA}.{bookkeeping} "
                        f"WHERE source_table = :source_table AND {in_slices}",
                        {"source_table": table.name, **in_run},
                    )
            self._insert_rows(table.qualified_name, table.all_columns, full_rows)
            self._insert_rows(f"{RAW_SCHEMA}.landing_log", LANDING_LOG_COLUMNS, log_rows)
            self._insert_rows(f"{RAW_SCHEMA}.quarantine", QUARANTINE_COLUMNS, quarantine_rows)
            self._insert_rows(f"{RAW_SCHEMA}.capture_log", CAPTURE_LOG_COLUMNS, capture_rows)
        return len(full_rows)

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """All statements inside run in one transaction, committed on success."""

    @abstractmethod
    def _execute_in_tx(self, sql: str, params: Params = None) -> None: ...

    @abstractmethod
    def _insert_rows(
        self, name: str, columns: Sequence[tuple[str, str]], rows: list[tuple[Any, ...]]
    ) -> None: ...


class DuckDBWarehouse(Warehouse):
    backend = "duckdb"
    _missing_table_error = duckdb.CatalogException

    def __init__(self, url: WarehouseUrl, *, read_only: bool = False) -> None:
        self.url = url
        path = url.duckdb_path
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = duckdb.connect(str(path), read_only=read_only)
        self._connection.execute("SET TimeZone = 'UTC'")
        self._lock = threading.RLock()

    def fetch_all(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        return fetch_all_on_cursor(self._connection.cursor(), sql, params)

    def execute(self, sql: str, params: Params = None) -> None:
        with self._lock:
            self._connection.execute(to_duckdb_sql(sql), dict(params or {}))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            self._connection.execute("BEGIN TRANSACTION")
            try:
                yield
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def _execute_in_tx(self, sql: str, params: Params = None) -> None:
        self._connection.execute(to_duckdb_sql(sql), dict(params or {}))

    def _insert_rows(
        self, name: str, columns: Sequence[tuple[str, str]], rows: list[tuple[Any, ...]]
    ) -> None:
        if not rows:
            return
        # Through Arrow: DuckDB reads the columns in bulk (measured on a 2.7k-row slice: ~10x
        # faster than multi-row VALUES, which is itself ~18x faster than executemany).
        # Arrow refuses lossy conversions, so a value that does not fit its column fails loudly.
        # Imported here: pyarrow is ~45 MB resident, and readers (the API) never land a row.
        import pyarrow as pa

        batch = pa.Table.from_arrays(
            [
                pa.array([row[index] for row in rows], _arrow_type(kind))
                for index, (_, kind) in enumerate(columns)
            ],
            names=[column for column, _ in columns],
        )
        self._connection.register("_landing_batch", batch)
        try:
            self._connection.execute(f"INSERT INTO {name} SELECT * FROM _landing_batch")
        finally:
            self._connection.unregister("_landing_batch")

    def close(self) -> None:
        self._connection.close()


class PostgresWarehouse(Warehouse):
    backend = "postgres"

    def __init__(self, url: WarehouseUrl) -> None:
        # Imported here: psycopg is ~7 MB resident, which an API reading DuckDB never needs.
        import psycopg

        self._missing_table_error = psycopg.errors.UndefinedTable
        self.url = url
        self._connection = psycopg.connect(url.postgres_dsn, autocommit=True)
        self._connection.execute("SET TIME ZONE 'UTC'")
        self._lock = threading.RLock()

    def fetch_all(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        with self._lock, self._connection.cursor() as cursor:
            cursor.execute(to_psycopg_sql(sql), params)
            return rows_as_dicts(cursor.description, cursor.fetchall())

    def execute(self, sql: str, params: Params = None) -> None:
        with self._lock:
            self._connection.execute(to_psycopg_sql(sql), params)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock, self._connection.transaction():
            yield

    def _execute_in_tx(self, sql: str, params: Params = None) -> None:
        self._connection.execute(to_psycopg_sql(sql), params)

    def _insert_rows(
        self, name: str, columns: Sequence[tuple[str, str]], rows: list[tuple[Any, ...]]
    ) -> None:
        if not rows:
            return
        column_list = ", ".join(column for column, _ in columns)
        with (
            self._connection.cursor() as cursor,
            cursor.copy(f"COPY {name} ({column_list}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def close(self) -> None:
        self._connection.close()


def open_warehouse(url: str, *, read_only: bool = False) -> Warehouse:
    parsed = parse_warehouse_url(url)
    if parsed.backend == "duckdb":
        return DuckDBWarehouse(parsed, read_only=read_only)
    return PostgresWarehouse(parsed)


def _contiguous_runs(starts: Sequence[datetime]) -> list[tuple[datetime, datetime]]:
    """Sorted window starts grouped into runs of consecutive windows: (first start, last start).

    A run's windows are deleted with one range predicate.
    """
    runs: list[tuple[datetime, datetime]] = []
    for start in starts:
        if runs and start - runs[-1][1] == WINDOW_LENGTH:
            runs[-1] = (runs[-1][0], start)
        else:
            runs.append((start, start))
    return runs


def fetch_all_on_cursor(
    cursor: duckdb.DuckDBPyConnection, sql: str, params: Params = None
) -> list[dict[str, Any]]:
    """Run a query on a fresh DuckDB cursor, then close it.

    A cursor per query: DuckDB connections are not safe to share across threads.
    """
    try:
        cursor.execute(_parsed.get(cursor, sql), dict(params or {}))
        return rows_as_dicts(cursor.description, cursor.fetchall())
    finally:
        cursor.close()


class ParsedStatements:
    """DuckDB statements parsed once per SQL text, the least recently used dropped past `size`.

    DuckDB parses the text of every execution, prepared or not, and MetricFlow's statements are
    long: parsing was a fifth of a dashboard KPI query (1.4 of 7.2 ms at 50 merchants). A parsed
    statement runs with its parameters on any connection, from any thread, as often as asked.
    """

    def __init__(self, size: int) -> None:
        self._statements: Lru[str, duckdb.Statement] = Lru(size)

    def get(self, cursor: duckdb.DuckDBPyConnection, sql: str) -> duckdb.Statement:
        """`sql` (one statement, `:name` parameters) parsed, by `cursor` if not parsed yet."""
        statement = self._statements.get(sql)
        if statement is None:
            statements = cursor.extract_statements(to_duckdb_sql(sql))
            if len(statements) != 1:
                raise ValueError(f"one statement at a time, not {len(statements)}: {sql[:200]}")
            [statement] = statements
            self._statements.put(sql, statement)
        return statement


# The app's queries and the semantic layer's shapes a process asks often: the dashboard's are about
# fifteen. A parsed MetricFlow statement holds up to ~90 kB, so the bound also bounds the memory.
_parsed = ParsedStatements(256)


def rows_as_dicts(
    description: Sequence[Sequence[Any]] | None, rows: Iterable[Sequence[Any]]
) -> list[dict[str, Any]]:
    """Rows as `{column: value}`; a DB-API description's first item is the column name."""
    names = [column[0] for column in description or []]
    return [dict(zip(names, row, strict=True)) for row in rows]


def to_duckdb_sql(sql: str) -> str:
    return _NAMED_PARAM.sub(r"$\1", sql)


def to_psycopg_sql(sql: str) -> str:
    return _NAMED_PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))
