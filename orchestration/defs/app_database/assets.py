"""Workspace settings (currency, timezone) copied from the app database into the warehouse.

The marts convert money into each workspace's currency, so dbt needs the settings beside the
raw data. Small and read whole: one non-partitioned asset replacing the table on every run.

No `from __future__ import annotations` here: Dagster reads the context annotation at definition
time.
"""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset
from sqlalchemy import select

from orchestration.lib.pools import WAREHOUSE_WRITES_POOL
from orchestration.lib.resources import AppDatabaseResource, WarehouseResource
from warehouse.appdb.models import Workspace
from warehouse.appdb.session import make_engine, make_session_factory
from warehouse.connection import Warehouse
from warehouse.raw_tables import COLUMN_TYPES, RAW_SCHEMA

APP_WORKSPACES_TABLE = f"{RAW_SCHEMA}.app_workspaces"
_COLUMNS = ("workspace_id", "slug", "name", "currency", "timezone")


@asset(
    key=AssetKey(["raw", "app_workspaces"]),
    # It writes the warehouse like the landings do.
    pool=WAREHOUSE_WRITES_POOL,
    group_name="app_database",
    kinds={"python", "sqlite"},
    description=(
        "Every workspace's id, slug, name, currency and IANA timezone from the app database, "
        "replacing raw.app_workspaces whole in one transaction."
    ),
)
def app_workspaces(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
) -> MaterializeResult:
    rows = read_workspaces(app_database.url)
    with warehouse.open() as landing:
        replace_workspaces(landing, rows)
    context.log.info(f"Copied {len(rows)} workspaces into {APP_WORKSPACES_TABLE}")
    return MaterializeResult(metadata={"workspaces": len(rows)})


def read_workspaces(app_database_url: str) -> list[dict[str, str]]:
    engine = make_engine(app_database_url)
    try:
        with make_session_factory(engine)() as session:
            return [
                {
                    "workspace_id": workspace.id,
                    "slug": workspace.slug,
                    "name": workspace.name,
                    "currency": workspace.currency,
                    "timezone": workspace.timezone,
                }
                for workspace in session.scalars(select(Workspace).order_by(Workspace.id))
            ]
    finally:
        engine.dispose()


def replace_workspaces(warehouse: Warehouse, rows: list[dict[str, str]]) -> None:
    """Readers see either the previous copy or the new one, never an empty table."""
    text = COLUMN_TYPES[warehouse.backend]["text"]
    columns = ", ".join(f"{name} {text} NOT NULL" for name in _COLUMNS)
    placeholders = ", ".join(f":{name}" for name in _COLUMNS)
    with warehouse.transaction():
        warehouse.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
        warehouse.execute(
            f"CREATE TABLE IF NOT EXISTS {APP_WORKSPACES_TABLE} ({columns}, "
            "PRIMARY KEY (workspace_id))"
        )
        warehouse.execute(f"DELETE FROM {APP_WORKSPACES_TABLE}")
        for row in rows:
            warehouse.execute(f"INSERT INTO {APP_WORKSPACES_TABLE} VALUES ({placeholders})", row)
