"""The raw landing tables: what each source lands, one slice per source × connection × window.

Every raw table starts with the same slice columns, so a window can be replaced exactly
(delete the slice, insert it again) whatever the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RAW_SCHEMA = "raw"

# Logical column types, mapped to each backend's DDL type. Money has 4 decimals (every currency's
# minor unit fits); "decimal" holds fractional counts such as Google's data-driven conversions.
COLUMN_TYPES = {
    "duckdb": {
        "text": "VARCHAR",
        "int": "BIGINT",
        "money": "DECIMAL(18,4)",
        "decimal": "DECIMAL(38,9)",
        "date": "DATE",
        "timestamp": "TIMESTAMPTZ",
    },
    "postgres": {
        "text": "TEXT",
        "int": "BIGINT",
        "money": "NUMERIC(18,4)",
        "decimal": "NUMERIC(38,9)",
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
    # Columns identifying one row within a slice, and columns that can never be negative: what
    # the landing checks hold every slice to.
    natural_key: tuple[str, ...] = ()
    non_negative: tuple[str, ...] = ()
    # Column sets the incremental models look rows up by (PostgreSQL indexes).
    lookups: tuple[tuple[str, ...], ...] = ()

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

    def added_columns_ddl(self, backend: str, existing: set[str]) -> tuple[str, ...]:
        """Statements adding the columns a table created by an earlier version lacks (`existing`
        holds the ones it has; none for a table still to create). New columns are appended, so
        rows keep landing by position."""
        if not existing:
            return ()
        types = COLUMN_TYPES[backend]
        return tuple(
            f"ALTER TABLE {self.qualified_name} ADD COLUMN {name} {types[kind]}"
            for name, kind in self.all_columns
            if name not in existing
        )

    def index_ddl(self, backend: str) -> tuple[str, ...]:
        """Indexes for the reads that must stay proportional to a window, not the history:
        replacing a connection's slices, incremental models picking up what landed since their
        last build, and their lookups of the keys it touched. PostgreSQL only: DuckDB's min-max
        zone maps already prune these reads (rows arrive in landing order), and its ART indexes
        would slow every replace."""
        if backend != "postgres":
            return ()
        return (
            f"CREATE INDEX IF NOT EXISTS {self.name}_slice_idx "
            f"ON {self.qualified_name} (connection_id, window_start)",
            f"CREATE INDEX IF NOT EXISTS {self.name}_landed_at_idx "
            f"ON {self.qualified_name} (landed_at)",
            *(
                f"CREATE INDEX IF NOT EXISTS {self.name}_{'_'.join(columns)}_idx "
                f"ON {self.qualified_name} ({', '.join(columns)})"
                for columns in self.lookups
            ),
        )


# Each slice is a capture of the account-local day so far; a restating run's last window also
# holds the days it restated, whole (raw.capture_log lists the days of each slice).
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
    natural_key=("date_start", "ad_id", "hour_of_day"),
    lookups=(("connection_id", "date_start"),),
    non_negative=("spend", "impressions", "link_clicks", "purchases", "purchase_value"),
)

# Like Meta's: each slice is a capture of the account-local day so far, and a restating run's last
# window also holds the days it restated (Google keeps attributing conversions for days).
GOOGLE_ADS_AD_GROUP_HOURLY = RawTable(
    name="google_ads_ad_group_hourly",
    source="google_ads",
    columns=(
        ("customer_id", "text"),
        ("time_zone", "text"),
        ("currency", "text"),
        ("campaign_id", "text"),
        ("campaign_name", "text"),
        ("ad_group_id", "text"),
        ("ad_group_name", "text"),
        ("segment_date", "date"),
        ("segment_hour", "int"),
        ("cost_micros", "int"),
        ("impressions", "int"),
        ("clicks", "int"),
        ("conversions", "decimal"),
        ("conversions_value", "money"),
    ),
    natural_key=("segment_date", "ad_group_id", "segment_hour"),
    lookups=(("connection_id", "segment_date"),),
    non_negative=("cost_micros", "impressions", "clicks", "conversions", "conversions_value"),
)

# Campaigns, ad sets and ads as of a run, in the slice of its last window: Meta only tells the
# current state. Budgets are integers in the currency's minor unit, as Meta sends them.
META_ADS_ENTITIES = RawTable(
    name="meta_ads_entities",
    source="meta_ads",
    columns=(
        ("account_id", "text"),
        ("entity_level", "text"),  # campaign | adset | ad
        ("entity_id", "text"),
        ("entity_name", "text"),
        ("campaign_id", "text"),
        ("adset_id", "text"),
        ("status", "text"),
        ("effective_status", "text"),
        ("daily_budget_minor", "int"),
        ("lifetime_budget_minor", "int"),
        ("currency", "text"),
        ("created_time", "timestamp"),
        ("updated_time", "timestamp"),
    ),
    natural_key=("entity_id",),  # Meta object ids are unique across levels
    non_negative=("daily_budget_minor", "lifetime_budget_minor"),
)

# Campaigns, ad groups and ads as of a run, in the slice of its last window: like Meta's, the
# listings tell only the current state. `status` is Google's enum value (ENABLED, PAUSED,
# REMOVED). Google's ids are unique per resource type, hence the level in the key.
GOOGLE_ADS_ENTITIES = RawTable(
    name="google_ads_entities",
    source="google_ads",
    columns=(
        ("customer_id", "text"),
        ("entity_level", "text"),  # campaign | ad_group | ad
        ("entity_id", "text"),
        ("entity_name", "text"),
        ("campaign_id", "text"),
        ("ad_group_id", "text"),
        ("status", "text"),
    ),
    natural_key=("entity_level", "entity_id"),
)

# One row per order version: each window lands the orders whose latest change (`updated_at`) falls
# in it, as they stood when read. An order changed in several windows (created, fulfilled,
# refunded) appears in several slices; downstream, the version with the latest `updated_at`
# wins. Money is in the shop's currency, exactly as Shopify's decimal strings said; `refunds` and
# `line_items` are JSON arrays (amounts as strings), each refund with the line items and
# shipping it gives back; `shipping_tax` is the part of `tax` on shipping; flags are 1 or 0.
# A deletion on Shopify is the order's last change: a tombstone version in the window it happened
# in, with the order's id and shop and `deleted_at` (= `updated_at`), everything else null.
# Shopify's Admin API stops returning a deleted order, so the tombstone comes from its
# `orders/delete` webhook (README, "Changes and deletions in the sources").
# Columns added later come last, so a table created before them takes them by ALTER TABLE.
SHOPIFY_ORDERS = RawTable(
    name="shopify_orders",
    source="shopify",
    columns=(
        ("shop_domain", "text"),
        ("order_id", "text"),
        ("order_name", "text"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
        ("processed_at", "timestamp"),
        ("cancelled_at", "timestamp"),
        ("test", "int"),
        ("currency", "text"),
        ("taxes_included", "int"),
        ("financial_status", "text"),
        ("fulfillment_status", "text"),
        ("subtotal", "money"),
        ("total_discounts", "money"),
        ("shipping", "money"),
        ("tax", "money"),
        ("total", "money"),
        ("total_refunded", "money"),
        ("customer_id", "text"),
        ("customer_order_index", "int"),
        ("customer_orders_at_capture", "int"),
        ("journey_ready", "int"),
        ("days_to_conversion", "int"),
        ("first_visit_visit_id", "text"),
        ("first_visit_occurred_at", "timestamp"),
        ("first_visit_source", "text"),
        ("first_visit_utm_source", "text"),
        ("first_visit_utm_medium", "text"),
        ("first_visit_utm_campaign", "text"),
        ("first_visit_utm_content", "text"),
        ("first_visit_utm_term", "text"),
        ("first_visit_landing_page", "text"),
        ("first_visit_referrer_url", "text"),
        ("last_visit_visit_id", "text"),
        ("last_visit_occurred_at", "timestamp"),
        ("last_visit_source", "text"),
        ("last_visit_utm_source", "text"),
        ("last_visit_utm_medium", "text"),
        ("last_visit_utm_campaign", "text"),
        ("last_visit_utm_content", "text"),
        ("last_visit_utm_term", "text"),
        ("last_visit_landing_page", "text"),
        ("last_visit_referrer_url", "text"),
        ("refunds", "text"),
        ("line_items", "text"),
        ("line_items_complete", "int"),
        ("shipping_tax", "money"),
        ("deleted_at", "timestamp"),
    ),
    natural_key=("order_id",),
    lookups=(("order_id",),),
    non_negative=(
        "subtotal",
        "total_discounts",
        "shipping",
        "tax",
        "total",
        "total_refunded",
        "shipping_tax",
    ),
)

# Storefront events sent by the merchant's Shopify web pixel to the API's pixel intake, landed
# per window of receipt: the touchpoints multi-touch attribution is built from.
SHOPIFY_PIXEL_EVENTS = RawTable(
    name="shopify_pixel_events",
    source="shopify",
    columns=(
        ("shop_domain", "text"),
        ("event_id", "text"),
        ("event_name", "text"),  # page_viewed | product_viewed | checkout_completed | ...
        ("client_id", "text"),  # the pixel's visitor id, stable across sessions
        ("occurred_at", "timestamp"),
        ("received_at", "timestamp"),
        ("page_url", "text"),
        ("referrer", "text"),
        ("utm_source", "text"),
        ("utm_medium", "text"),
        ("utm_campaign", "text"),
        ("utm_content", "text"),
        ("utm_term", "text"),
        ("fbclid", "text"),
        ("gclid", "text"),
        ("order_id", "text"),  # checkout_completed only: the Shopify order id (gid)
        ("customer_id", "text"),
        ("order_total", "money"),
        ("currency", "text"),
    ),
    natural_key=("event_id",),
    non_negative=("order_total",),
)

RAW_TABLES: tuple[RawTable, ...] = (
    META_ADS_INSIGHTS_HOURLY,
    GOOGLE_ADS_AD_GROUP_HOURLY,
    META_ADS_ENTITIES,
    GOOGLE_ADS_ENTITIES,
    SHOPIFY_ORDERS,
    SHOPIFY_PIXEL_EVENTS,
)

LANDING_LOG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_table", "text"),
    ("workspace_id", "text"),
    ("connection_id", "text"),
    ("window_start", "timestamp"),
    ("window_end", "timestamp"),
    ("row_count", "int"),
    ("quarantined_count", "int"),
    ("landed_at", "timestamp"),
)
CAPTURE_LOG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_table", "text"),
    ("workspace_id", "text"),
    ("connection_id", "text"),
    ("window_start", "timestamp"),
    ("captured_day", "date"),
    ("row_count", "int"),
    ("landed_at", "timestamp"),
)
QUARANTINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_table", "text"),
    ("workspace_id", "text"),
    ("connection_id", "text"),
    ("window_start", "timestamp"),
    ("reason", "text"),
    ("payload", "text"),
    ("landed_at", "timestamp"),
)

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


def landing_log_index_ddl(backend: str) -> tuple[str, ...]:
    """What landed since a build, for fct_landing_coverage_daily's incremental builds: on
    PostgreSQL an index, so the question reads the newest slices, not the whole log (DuckDB's
    zone maps already prune it, the log being written in landing order)."""
    if backend != "postgres":
        return ()
    return (
        f"CREATE INDEX IF NOT EXISTS landing_log_landed_at_idx ON {RAW_SCHEMA}.landing_log "
        "(landed_at)",
    )


# One row per account-local day an ad platform's slice captured, with the rows it landed for it:
# a window's slice holds its own day so far and, when its run restates, the days restated then,
# so the models can tell a day captured empty (the platform reports nothing for it any more)
# from a day the slice did not capture. Replaced together with its slice.
CAPTURE_LOG_DDL = f"""
CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.capture_log (
  source_table {{text}} NOT NULL,
  workspace_id {{text}} NOT NULL,
  connection_id {{text}} NOT NULL,
  window_start {{timestamp}} NOT NULL,
  captured_day {{date}} NOT NULL,
  row_count {{int}} NOT NULL,
  landed_at {{timestamp}} NOT NULL,
  PRIMARY KEY (source_table, connection_id, window_start, captured_day)
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
