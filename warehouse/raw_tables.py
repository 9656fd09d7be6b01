"""The raw landing tables: what each source lands, one slice per source × connection × window.

Every raw table starts with the same slice columns, so a window can be replaced exactly
(delete the slice, insert it again) whatever the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RAW_SCHEMA = "raw"

# Logical column types, mapped to each backend's DDL type.
COLUMN_TYPES = {
    "duckdb": {
        "text": "VARCHAR",
        "int": "BIGINT",
        "money": "DECIMAL(18,4)",
        "decimal": "DECIMAL(18,4)",
        "date": "DATE",
        "timestamp": "TIMESTAMPTZ",
    },
    "postgres": {
        "text": "TEXT",
        "int": "BIGINT",
        "money": "NUMERIC(18,4)",
        "decimal": "NUMERIC(18,4)",
        "date": "DATE",
        "timestamp": "TIMESTAMPTZ",
    },
}

SLICE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("workspace_id", "text"),
    ("connection_id", "text"),
    ("window_start", "timestamp"),
    ("window_end", "timestamp"),
    ("landed_at", "timestamp"),
)


@dataclass(frozen=True)
class RawTable:
    name: str
    source: str
    columns: tuple[tuple[str, str], ...]  # source columns after the slice columns

    @property
    def qualified_name(self) -> str:
        return f"{RAW_SCHEMA}.{self.name}"

    @property
    def all_columns(self) -> tuple[tuple[str, str], ...]:
        return SLICE_COLUMNS + self.columns

    def row_values(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The source columns of one row, in table order, from a mapping keyed by column name."""
        return tuple(values[name] for name, _ in self.columns)

    def ddl(self, backend: str) -> str:
        types = COLUMN_TYPES[backend]
        cols = ",\n  ".join(f"{name} {types[kind]}" for name, kind in self.all_columns)
        return f"CREATE TABLE IF NOT EXISTS {self.qualified_name} (\n  {cols}\n)"


META_ADS_INSIGHTS_HOURLY = RawTable(
    name="meta_ads_insights_hourly",
    source="meta_ads",
    columns=(
        ("account_id", "text"),
        ("account_timezone", "text"),
        ("campaign_id", "text"),
        ("campaign_name", "text"),
        ("adset_id", "text"),
        ("adset_name", "text"),
        ("ad_id", "text"),
        ("ad_name", "text"),
        ("date_start", "date"),
        ("hour_of_day", "int"),
        ("spend", "money"),
        ("impressions", "int"),
        ("link_clicks", "int"),
        ("purchases", "decimal"),
        ("purchase_value", "money"),
        ("currency", "text"),
    ),
)

RAW_TABLES: tuple[RawTable, ...] = (META_ADS_INSIGHTS_HOURLY,)

# One row per landed slice: what landed when, so checks can tell a window that landed empty from
# one that never landed.
LANDING_LOG_DDL = f"""
CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.landing_log (
  source_table {{text}} NOT NULL,
  workspace_id {{text}} NOT NULL,
  connection_id {{text}} NOT NULL,
  window_start {{timestamp}} NOT NULL,
  window_end {{timestamp}} NOT NULL,
  row_count {{int}} NOT NULL,
  quarantined_count {{int}} NOT NULL,
  landed_at {{timestamp}} NOT NULL,
  PRIMARY KEY (source_table, connection_id, window_start)
)
"""

# Rows a connector could not parse, with the reason, replaced together with their slice: bad
# input is kept and counted, never silently dropped.
QUARANTINE_DDL = f"""
CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.quarantine (
  source_table {{text}} NOT NULL,
  workspace_id {{text}} NOT NULL,
  connection_id {{text}} NOT NULL,
  window_start {{timestamp}} NOT NULL,
  reason {{text}} NOT NULL,
  payload {{text}} NOT NULL,
  landed_at {{timestamp}} NOT NULL
)
"""
