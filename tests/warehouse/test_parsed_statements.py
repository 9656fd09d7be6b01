"""DuckDB statements are parsed once per text and then run with any parameters, on any
connection, from any thread (warehouse.connection.ParsedStatements)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from warehouse.connection import ParsedStatements, fetch_all_on_cursor

_SPEND_SQL = "SELECT sum(spend) AS spend FROM spend WHERE workspace_id = :workspace_id"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    connection.execute(
        "CREATE TABLE spend AS SELECT 'ws_' || (i % 8) AS workspace_id, i AS spend "
        "FROM range(1000) t(i)"
    )
    try:
        yield connection
    finally:
        connection.close()


def _expected(workspace: int) -> int:
    return sum(i for i in range(1000) if i % 8 == workspace)


def test_a_text_is_parsed_once_and_runs_with_each_requests_values(
    database: duckdb.DuckDBPyConnection,
) -> None:
    statements = ParsedStatements(8)
    first = statements.get(database.cursor(), _SPEND_SQL)
    # Asked again, from another cursor: the same parse, not a new one.
    assert statements.get(database.cursor(), _SPEND_SQL) is first
    for workspace in (0, 5):
        rows = database.cursor().execute(first, {"workspace_id": f"ws_{workspace}"}).fetchall()
        assert rows == [(_expected(workspace),)]


def test_the_least_recently_used_text_is_parsed_again_past_the_bound(
    database: duckdb.DuckDBPyConnection,
) -> None:
    statements = ParsedStatements(2)
    texts = [f"SELECT {n} AS n" for n in range(3)]
    zero, one = (statements.get(database, text) for text in texts[:2])
    assert statements.get(database, texts[0]) is zero  # now the most recently used
    statements.get(database, texts[2])  # drops texts[1]
    assert statements.get(database, texts[0]) is zero
    assert statements.get(database, texts[1]) is not one


def test_one_parsed_statement_serves_concurrent_requests(
    database: duckdb.DuckDBPyConnection,
) -> None:
    def spend(request: int) -> tuple[int, list[dict[str, object]]]:
        workspace = request % 8
        rows = fetch_all_on_cursor(
            database.cursor(), _SPEND_SQL, {"workspace_id": f"ws_{workspace}"}
        )
        return workspace, rows

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(spend, range(400)))
    assert all(rows == [{"spend": _expected(workspace)}] for workspace, rows in answers)


def test_a_text_of_several_statements_is_refused(database: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="one statement at a time"):
        ParsedStatements(8).get(database, "SELECT 1; SELECT 2")
