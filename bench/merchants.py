"""Many merchants' marts from the few the pipeline built: each merchant's rows copied under new
workspaces, so readers see the row counts and the per-workspace selectivity of a larger fleet.

Landing 50 merchants × 90 days through the pipeline would take hours (2 × 92 days take ten
minutes and more), and what the read path pays for is rows, not their provenance: a copy has the
same rows as its original under a new workspace id and new connection ids, and the app database
gets the workspace, its owner's membership and its connections, so every route answers for it.
Only the marts (and the warehouse's copy of the workspaces) are copied: readers read nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import cycle, islice

from sqlalchemy import select

from metricx.settings import Settings
from orchestration.defs.app_database.assets import read_workspaces, replace_workspaces
from warehouse.appdb.credentials import load_cipher
from warehouse.appdb.models import Connection, Membership, User, Workspace
from warehouse.appdb.session import open_session
from warehouse.appdb.upserts import ensure_membership, upsert_connection, upsert_workspace
from warehouse.connection import Warehouse, open_warehouse

MARTS_SCHEMA = "marts"
# Where the id mappings live while the marts are copied; dropped afterwards.
_MAPPINGS_SCHEMA = "bench_replicas"
_WORKSPACE_COLUMN = "workspace_id"
_CONNECTION_COLUMN = "connection_id"


@dataclass(frozen=True)
class Replica:
    """A workspace of the fleet: a built one (its own source) or a copy of one."""

    workspace_id: str
    source_workspace_id: str
    owner_clerk_user_id: str
    timezone: str


@dataclass(frozen=True)
class _ConnectionCopy:
    workspace_id: str
    source_connection_id: str
    connection_id: str


def replicate_workspaces(settings: Settings, merchants: int) -> list[Replica]:
    """Make the warehouse and app database of `settings` hold `merchants` workspaces: the built
    ones, then copies of them in turn. Returns them all, the built ones first."""
    replicas, connections = _copy_app_database(settings, merchants)
    warehouse = open_warehouse(settings.warehouse_url)
    try:
        _copy_marts(warehouse, replicas, connections)
        replace_workspaces(warehouse, read_workspaces(settings.app_database_url))
    finally:
        warehouse.close()
    return replicas


def _copy_app_database(
    settings: Settings, merchants: int
) -> tuple[list[Replica], list[_ConnectionCopy]]:
    cipher = load_cipher(settings)
    with open_session(settings.app_database_url) as session, session.begin():
        originals = list(session.scalars(select(Workspace).order_by(Workspace.slug)))
        if not originals:
            raise RuntimeError("no workspace to copy: seed the demo merchants first")
        owners = {
            membership.workspace_id: (membership, clerk_user_id)
            for membership, clerk_user_id in session.execute(
                select(Membership, User.clerk_user_id).join(User, User.id == Membership.user_id)
            )
        }
        replicas = [
            Replica(workspace.id, workspace.id, owners[workspace.id][1], workspace.timezone)
            for workspace in originals
        ]
        connections: list[_ConnectionCopy] = []
        sources = islice(cycle(originals), max(merchants - len(originals), 0))
        for number, source in enumerate(sources, start=len(originals) + 1):
            copy = upsert_workspace(
                session,
                slug=f"{source.slug}-copy-{number}",
                name=f"{source.name} (copy {number})",
                currency=source.currency,
                timezone=source.timezone,
            )
            owner, clerk_user_id = owners[source.id]
            ensure_membership(session, user_id=owner.user_id, workspace_id=copy.id, role=owner.role)
            for connection in session.scalars(
                select(Connection).where(Connection.workspace_id == source.id)
            ).all():
                copied = upsert_connection(
                    session,
                    workspace_id=copy.id,
                    provider=connection.provider,
                    external_account_id=connection.external_account_id,
                    display_name=connection.display_name,
                    credentials=cipher.decrypt(connection.credentials_encrypted),
                    cipher=cipher,
                    status=connection.status,
                    settings=connection.settings,
                )
                connections.append(_ConnectionCopy(copy.id, connection.id, copied.id))
            replicas.append(Replica(copy.id, source.id, clerk_user_id, copy.timezone))
    return replicas, connections


def _copy_marts(
    warehouse: Warehouse, replicas: list[Replica], connections: list[_ConnectionCopy]
) -> None:
    """Each mart's rows of a built workspace inserted again per copy, its workspace and
    connection ids swapped for the copy's."""
    copies = [
        replica for replica in replicas if replica.workspace_id != replica.source_workspace_id
    ]
    text = "VARCHAR" if warehouse.backend == "duckdb" else "TEXT"
    workspaces_map = f"{_MAPPINGS_SCHEMA}.workspaces"
    connections_map = f"{_MAPPINGS_SCHEMA}.connections"
    with warehouse.transaction():
        warehouse.execute(f"CREATE SCHEMA {_MAPPINGS_SCHEMA}")
        warehouse.execute(
            f"CREATE TABLE {workspaces_map} (source_workspace_id {text}, workspace_id {text})"
        )
        warehouse.execute(
            f"CREATE TABLE {connections_map} "
            f"(workspace_id {text}, source_connection_id {text}, connection_id {text})"
        )
        for replica in copies:
            warehouse.execute(
                f"INSERT INTO {workspaces_map} VALUES (:source, :copy)",
                {"source": replica.source_workspace_id, "copy": replica.workspace_id},
            )
        for connection in connections:
            warehouse.execute(
                f"INSERT INTO {connections_map} VALUES (:workspace, :source, :copy)",
                {
                    "workspace": connection.workspace_id,
                    "source": connection.source_connection_id,
                    "copy": connection.connection_id,
                },
            )
    try:
        for table, columns in _mart_columns(warehouse).items():
            if _WORKSPACE_COLUMN not in columns:
                continue  # not a workspace's rows (the calendar, the FX rates)
            selected = [_copied_column(column) for column in columns]
            names = ", ".join(f'"{column}"' for column in columns)
            connection_join = (
                f" LEFT JOIN {connections_map} copied_connection"
                " ON copied_connection.workspace_id = replica.workspace_id"
                f" AND copied_connection.source_connection_id = mart.{_CONNECTION_COLUMN}"
                if _CONNECTION_COLUMN in columns
                else ""
            )
            with warehouse.transaction():
                warehouse.execute(
                    f"INSERT INTO {MARTS_SCHEMA}.{table} ({names}) "
                    f"SELECT {', '.join(selected)} FROM {MARTS_SCHEMA}.{table} mart "
                    f"JOIN {workspaces_map} replica"
                    f" ON replica.source_workspace_id = mart.{_WORKSPACE_COLUMN}"
                    f"{connection_join}"
                )
    finally:
        with warehouse.transaction():
            warehouse.execute(f"DROP SCHEMA {_MAPPINGS_SCHEMA} CASCADE")


def _copied_column(column: str) -> str:
    if column == _WORKSPACE_COLUMN:
        return "replica.workspace_id"
    if column == _CONNECTION_COLUMN:
        # A row of no connection (a shop-wide figure) keeps its null.
        return f"COALESCE(copied_connection.connection_id, mart.{column})"
    return f'mart."{column}"'


def workspace_marts(warehouse: Warehouse) -> list[str]:
    """The marts tables holding workspaces' rows."""
    return [
        table for table, columns in _mart_columns(warehouse).items() if _WORKSPACE_COLUMN in columns
    ]


def _mart_columns(warehouse: Warehouse) -> dict[str, list[str]]:
    """The marts' tables (not views) and their columns in order."""
    rows = warehouse.fetch_all(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c "
        "JOIN information_schema.tables t "
        "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.table_schema = :schema AND t.table_type = 'BASE TABLE' "
        "ORDER BY c.table_name, c.ordinal_position",
        {"schema": MARTS_SCHEMA},
    )
    columns: dict[str, list[str]] = {}
    for row in rows:
        columns.setdefault(row["table_name"], []).append(row["column_name"])
    return columns
