"""Which build of the marts readers see: a publication recorded after each successful build.

Readers (the API's response cache) ask for the current version on every request, so it is one
tiny table in the served `marts` schema: the serving copy carries it on DuckDB, and on PostgreSQL
readers read it where they read the marts. dbt does not manage it; the pipeline writes it after
`dbt build` succeeds (orchestration/defs/dbt/assets.py, through `warehouse.serving.publish_marts`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from warehouse.connection import Warehouse

PUBLICATION_TABLE = "marts.publication"
_PUBLICATION_DDL = f"""
CREATE TABLE IF NOT EXISTS {PUBLICATION_TABLE} (
    version TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL
)
"""
# The newest row, not "the" row: two publishers racing on PostgreSQL may both insert.
PUBLISHED_VERSION_SQL = (
    f"SELECT version FROM {PUBLICATION_TABLE} ORDER BY published_at DESC, version DESC LIMIT 1"
)


@dataclass(frozen=True)
class Publication:
    version: str  # opaque: compare for equality only
    published_at: datetime


def record_publication(warehouse: Warehouse) -> Publication:
    """A new version for what the marts hold now, replacing the previous one."""
    publication = Publication(version=uuid.uuid4().hex, published_at=datetime.now(UTC))
    with warehouse.transaction():
        warehouse.execute("CREATE SCHEMA IF NOT EXISTS marts")
        warehouse.execute(_PUBLICATION_DDL)
        warehouse.execute(f"DELETE FROM {PUBLICATION_TABLE}")
        warehouse.execute(
            f"INSERT INTO {PUBLICATION_TABLE} VALUES (:version, :published_at)",
            {"version": publication.version, "published_at": publication.published_at},
        )
    return publication
