"""Parsing of warehouse URLs: `duckdb:///path/file.duckdb` or `postgresql://user@host:port/db`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


@dataclass(frozen=True)
class WarehouseUrl:
    backend: str  # "duckdb" | "postgres"
    raw: str

    @property
    def duckdb_path(self) -> Path:
        if self.backend != "duckdb":
            raise ValueError(f"{self.raw} is not a DuckDB URL")
        return Path(self.raw.removeprefix("duckdb:///").removeprefix("duckdb://"))

    @property
    def postgres_dsn(self) -> str:
        if self.backend != "postgres":
            raise ValueError(f"{self.raw} is not a PostgreSQL URL")
        # psycopg and libpq understand only the bare scheme, not SQLAlchemy's driver suffix.
        return "postgresql://" + self.raw.split("://", 1)[1]

    @property
    def postgres_parts(self) -> dict[str, str]:
        parts = urlsplit(self.postgres_dsn)
        return {
            "host": parts.hostname or "127.0.0.1",
            "port": str(parts.port or 5432),
            "user": parts.username or "postgres",
            "password": parts.password or "",
            "dbname": parts.path.lstrip("/") or "postgres",
        }

    def dbt_env(self) -> dict[str, str]:
        """Environment variables read by dbt_project/profiles.yml to reach this warehouse."""
        if self.backend == "duckdb":
            return {"METRICX_DBT_TARGET": "duckdb", "METRICX_DUCKDB_PATH": str(self.duckdb_path)}
        parts = self.postgres_parts
        return {
            "METRICX_DBT_TARGET": "postgres",
            "METRICX_PG_HOST": parts["host"],
            "METRICX_PG_PORT": parts["port"],
            "METRICX_PG_USER": parts["user"],
            "METRICX_PG_PASSWORD": parts["password"],
            "METRICX_PG_DBNAME": parts["dbname"],
            # PostgreSQL plans dbt's history-wide queries far above JIT's cost threshold and
            # then spends seconds compiling them (2.5-3 s per incremental model measured) to
            # read a window's rows; libpq hands these options to every session dbt opens.
            "PGOPTIONS": "-c jit=off",
        }


def parse_warehouse_url(url: str) -> WarehouseUrl:
    scheme = url.split("://", 1)[0].lower()
    if scheme == "duckdb":
        return WarehouseUrl("duckdb", url)
    if scheme in {"postgresql", "postgres", "postgresql+psycopg"}:
        return WarehouseUrl("postgres", url)
    raise ValueError(
        f"unsupported warehouse URL {url!r}: use duckdb:///path/to/file.duckdb "
        "or postgresql://user@host:port/database"
    )
