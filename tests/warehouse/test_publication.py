"""Readers tell which published build of the marts they read, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from warehouse.connection import DuckDBWarehouse, open_warehouse
from warehouse.serving import (
    WarehouseUnavailable,
    open_serving_reader,
    publish_marts,
    publish_serving_copy,
)


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    create: Callable[[str], str] = request.getfixturevalue("create_postgres_database")
    return create("publication")


def _build(warehouse_url: str, spend: int, *, publish: bool = True) -> None:
    """What a build does to the marts: rewrite them, then (on success) publish them."""
    writer = open_warehouse(warehouse_url)
    try:
        writer.execute("CREATE SCHEMA IF NOT EXISTS marts")
        writer.execute("DROP TABLE IF EXISTS marts.fct_spend")
        writer.execute(f"CREATE TABLE marts.fct_spend AS SELECT {spend} AS spend")
        if publish:
            publish_marts(writer)
    finally:
        writer.close()


def test_a_build_changes_the_version_and_reads_do_not(warehouse_url: str) -> None:
    _build(warehouse_url, 1)
    reader = open_serving_reader(warehouse_url)
    try:
        first = reader.published_version()
        assert first
        assert reader.fetch_all("SELECT spend FROM marts.fct_spend") == [{"spend": 1}]
        assert reader.published_version() == first

        _build(warehouse_url, 2)

        second = reader.published_version()
        assert second and second != first
        assert reader.fetch_all("SELECT spend FROM marts.fct_spend") == [{"spend": 2}]
        assert reader.published_version() == second
    finally:
        reader.close()
    # Another reader (another API worker) agrees on the version.
    other = open_serving_reader(warehouse_url)
    try:
        assert other.published_version() == second
    finally:
        other.close()


def test_marts_without_a_recorded_publication_have_no_version(warehouse_url: str) -> None:
    """A warehouse built before publications were recorded: readable, but without a version
    (the API then answers without caching)."""
    _build(warehouse_url, 1, publish=False)
    writer = open_warehouse(warehouse_url)
    try:
        if isinstance(writer, DuckDBWarehouse):
            publish_serving_copy(writer)  # as it was published before: the serving copy alone
    finally:
        writer.close()
    reader = open_serving_reader(warehouse_url)
    try:
        assert reader.published_version() is None
    finally:
        reader.close()


def test_nothing_published_on_duckdb_is_unavailable(tmp_path: Path) -> None:
    reader = open_serving_reader(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    with pytest.raises(WarehouseUnavailable):
        reader.published_version()
