"""Changes that must reach the marts, on DuckDB and PostgreSQL (issue #11).

On a copy of the session's warehouse, three rounds of changes land, each followed by an
incremental build as the 15-minute schedule runs it:

1. the sources, all in the Berlin workspace: Google no longer reports a day when it is landed
   again; Meta's re-landed capture of a day leaves an ad out; an ad is deleted on Meta; and on
   Shopify an order moves to another customer, an order is deleted and a customer's personal
   data is erased;
2. the New York workspace's settings: its currency (USD to EUR) and timezone (to Chicago);
3. the FX seed's USD rates, which only New York converts with then (Berlin's money is EUR).

Each build must rebuild exactly the rows the round changed: the first only Berlin's affected
keys, the others every row of New York and none of Berlin's, read from the rows each model's
build inserted (its compiled SQL, run again). After rounds 2 and 3 every model must equal a full
refresh; Berlin's rows are not rebuilt after round 1, so the first comparison covers its changes.
Every dbt command runs in this process against one parse (see tests.helpers.DbtRunner).
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from orchestration.defs.app_database.assets import read_workspaces, replace_workspaces
from orchestration.defs.meta_ads.resources import MetaAdsApiResource
from orchestration.defs.meta_ads.sync import sync_entities, sync_insights
from orchestration.defs.shopify.resources import ShopifyAdminApiResource
from orchestration.defs.shopify.sync import OrderDeletion, sync_orders
from orchestration.lib.resources import AppDatabaseResource, SyncTarget
from orchestration.lib.restatement import Capture
from orchestration.lib.windows import WINDOW, Window
from simulator.merchants import Merchant
from simulator.shopify.world import ShopWorld
from tests.helpers import (
    NOW,
    RUN_RANGE,
    DbtRunner,
    closing_window,
    copied_warehouse,
    execute_on_warehouse,
    read_warehouse,
)
from tests.pipeline.conftest import PipelineRun
from warehouse.appdb.models import Provider
from warehouse.appdb.session import open_session
from warehouse.appdb.upserts import upsert_workspace
from warehouse.connection import Slice, Warehouse, open_warehouse
from warehouse.raw_tables import GOOGLE_ADS_AD_GROUP_HOURLY, META_ADS_INSIGHTS_HOURLY

# No landing margin: every landing here happens within minutes, so the default margin would
# rebuild every key and leave the choice of keys untested. Compaction as of the pipeline's own
# builds (the end of the run's last day), so no capture crosses a cutoff between builds.
BUILD_VARS = {
    "ads_landing_margin_minutes": 0,
    "shop_orders_landing_margin_minutes": 0,
    "pixel_events_landing_margin_minutes": 0,
    "landing_coverage_margin_minutes": 0,
    "snapshot_compaction_as_of": "2026-11-21T00:00:00+00:00",
}
# The models that keep the settings fingerprint their rows were built with, by the key their
# incremental builds replace.
KEYS = {
    "intermediate.int_ad_hourly": "connection_id, report_date",
    "marts.fct_ad_reporting_hourly": "connection_id, date_day",
    "marts.fct_ad_reporting_daily": "connection_id, date_day",
    "marts.fct_metric_snapshots": "connection_id, report_date",
    "marts.fct_orders": "order_id",
    "marts.fct_sales": "order_id",
    "marts.fct_refunds": "order_id",
    "marts.dim_customers": "customer_id",
    "marts.fct_shop_kpis_daily": "workspace_id, date_day",
    "marts.fct_attribution_credits": "order_id",
}
PER_WORKSPACE_MODELS = tuple(KEYS)
COMPARED_MODELS = (
    *PER_WORKSPACE_MODELS,
    "intermediate.int_workspace_currencies",
    "intermediate.int_sessions",
    "marts.dim_ad_entities",
    "marts.fct_attributed_performance_daily",
    "marts.fct_landing_coverage_daily",
)
LAST_WINDOW = Window(RUN_RANGE.end - WINDOW, RUN_RANGE.end)
# Berlin's day before the run's last: its closing window (22:45 UTC) is the day's latest capture.
EMPTIED_DAY = date(2026, 11, 19)
NEW_TIMEZONE = "America/Chicago"


@dataclass
class Round:
    """What one round's incremental build did: the rows each model inserted, per workspace,
    and the rows of each workspace per model before and after it."""

    inserted: dict[str, Counter[str]] = field(default_factory=dict)
    inserted_keys: dict[str, set[tuple[Any, ...]]] = field(default_factory=dict)
    rows_before: dict[str, Counter[str]] = field(default_factory=dict)
    rows_after: dict[str, Counter[str]] = field(default_factory=dict)
    # Rows of each model that the incremental build and a full refresh disagree on.
    differing: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Propagated:
    warehouse_url: str
    new_york: str  # workspace ids
    berlin: str
    sources: Round
    settings: Round
    fx: Round
    facts: dict[str, Any]  # what each scenario chose and the simulator's truth about it

    def read(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return read_warehouse(self.warehouse_url, sql, params)


@pytest.fixture(scope="module")
def propagated(
    pipeline_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Propagated]:
    assert pipeline_run.succeeded
    workdir = tmp_path_factory.mktemp("propagation")
    with copied_warehouse(pipeline_run.settings.warehouse_url, workdir) as url:
        dbt = DbtRunner(url, workdir, BUILD_VARS)
        # A first build with nothing new catches up on what the session's own builds left
        # (their margins differ), so each round's build does only what its changes call for.
        dbt("run")
        ids = pipeline_run.workspace_ids
        run = Propagated(url, ids["demo-1"], ids["demo-2"], Round(), Round(), Round(), {})

        _land_source_changes(pipeline_run, run)
        _build(dbt, run, run.sources)

        app_database = workdir / "app.db"
        shutil.copyfile(
            pipeline_run.settings.app_database_url.removeprefix("sqlite:///"), app_database
        )
        _change_workspace_settings(
            pipeline_run.world.merchants[0], f"sqlite:///{app_database}", url
        )
        _build(dbt, run, run.settings)
        _compare_with_a_full_refresh(dbt, run, run.settings)

        run.facts["fx_rate"] = _change_fx_seed(run)
        _build(dbt, run, run.fx)
        _compare_with_a_full_refresh(dbt, run, run.fx)
        yield run


# -- round 1: the sources -----------------------------------------------------------------------


def _land_source_changes(pipeline_run: PipelineRun, run: Propagated) -> None:
    world = pipeline_run.world
    berlin = world.merchants[1]
    settings = pipeline_run.settings
    app_database = AppDatabaseResource(
        url=settings.app_database_url, secret_key=settings.secret_key
    )

    def target(provider: Provider) -> SyncTarget:
        (found,) = [
            target
            for target in app_database.sync_targets(provider)
            if target.workspace_id == run.berlin
        ]
        return found

    meta, google, shop = (
        target(p) for p in (Provider.META_ADS, Provider.GOOGLE_ADS, Provider.SHOPIFY)
    )
    run.facts.update(meta_connection=meta.connection_id, google_connection=google.connection_id)
    emptied_window = closing_window(EMPTIED_DAY, berlin.timezone)
    run.facts["emptied_window"] = emptied_window.start
    run.facts["emptied_day_rows_before"] = _count(
        run,
        "marts.fct_ad_reporting_daily WHERE connection_id = :c AND date_day = :d",
        {"c": google.connection_id, "d": EMPTIED_DAY},
    )
    ads = world.meta.ads(berlin.meta_account_id)
    left_out_ad, deleted_ad = ads[0].ad_id, ads[1].ad_id
    run.facts.update(left_out_ad=left_out_ad, deleted_ad=deleted_ad)

    warehouse = open_warehouse(run.warehouse_url)
    try:
        # A re-run of Google's closing window of the day, answered with nothing for the day
        # (its capture log says so, as the connector's would).
        warehouse.replace_slices(
            GOOGLE_ADS_AD_GROUP_HOURLY,
            workspace_id=run.berlin,
            connection_id=google.connection_id,
            landed_at=datetime.now(UTC),
            slices=[
                Slice(emptied_window.start, emptied_window.end, [], captured_days={EMPTIED_DAY: 0})
            ],
        )
        # A re-run of Meta's closing window of the same day, answered without one ad.
        kept = [
            META_ADS_INSIGHTS_HOURLY.row_values(row)
            for row in warehouse.fetch_all(
                "SELECT * FROM raw.meta_ads_insights_hourly"
                " WHERE connection_id = :c AND window_start = :w",
                {"c": meta.connection_id, "w": emptied_window.start},
            )
            if row["ad_id"] != left_out_ad
        ]
        assert kept, "Meta's closing capture of the day holds rows"
        warehouse.replace_slices(
            META_ADS_INSIGHTS_HOURLY,
            workspace_id=run.berlin,
            connection_id=meta.connection_id,
            landed_at=datetime.now(UTC),
            slices=[
                Slice(
                    emptied_window.start,
                    emptied_window.end,
                    kept,
                    captured_days={EMPTIED_DAY: len(kept)},
                )
            ],
        )
        _delete_an_ad(pipeline_run, run, berlin, meta, deleted_ad, warehouse)
        _change_orders(pipeline_run, run, berlin, shop, warehouse)
    finally:
        warehouse.close()


def _delete_an_ad(
    pipeline_run: PipelineRun,
    run: Propagated,
    berlin: Merchant,
    meta: SyncTarget,
    ad_id: str,
    warehouse: Warehouse,
) -> None:
    """Delete the ad in Ads Manager, then land the run's last window again through the Meta
    connector, as the next run would."""
    world = pipeline_run.world
    settings = pipeline_run.settings
    api = MetaAdsApiResource(
        base_url=settings.meta_api_base_url, api_version=settings.meta_api_version
    )
    capture = Capture.of(LAST_WINDOW, berlin.timezone)
    world.meta.delete_ad(ad_id, NOW - timedelta(minutes=1))
    try:
        with api.client(meta) as client:
            for outcome in (
                sync_entities(meta, client, [LAST_WINDOW], warehouse),
                sync_insights(meta, client, [LAST_WINDOW], warehouse),
            ):
                assert (outcome.error, outcome.quarantined) == (None, 0)
        run.facts["deleted_ad_status"] = world.meta.effective_status(ad_id)
        # What the capture holds of the ad's day: its hours up to the window's, as of now.
        run.facts["deleted_ad_day"] = capture.day
        run.facts["deleted_ad_spend"] = sum(
            (
                row.delivery.spend
                for row in world.meta.iter_ad_hours(berlin.meta_account_id, capture.day)
                if row.ad.ad_id == ad_id and row.hour_of_day <= capture.hour
            ),
            Decimal(0),
        )
    finally:
        world.meta.clear_deletions()


def _change_orders(
    pipeline_run: PipelineRun,
    run: Propagated,
    berlin: Merchant,
    shop: SyncTarget,
    warehouse: Warehouse,
) -> None:
    """In the Shopify admin: move an order to another customer, delete an order, erase a
    customer's data; then land the run's last window again through the Shopify connector with
    the orders/delete webhooks received in it."""
    shops = ShopWorld.of(pipeline_run.world)
    settings = pipeline_run.settings
    # Revenue orders whose latest version landed before the last window, so the window's new
    # versions add to their history rather than replace it.
    candidates = run.read(
        "SELECT order_id, customer_id, created_at, order_date FROM marts.fct_orders"
        " WHERE workspace_id = :w AND counts_as_revenue AND customer_id IS NOT NULL"
        " AND captured_window_start < :last ORDER BY order_id LIMIT 4",
        {"w": run.berlin, "last": LAST_WINDOW.start},
    )
    moved, deleted, anonymised, other = candidates
    run.facts.update(moved=moved, deleted=deleted, anonymised=anonymised, new_customer=other)
    run.facts["deleted_day_orders_before"] = _day_orders(run, deleted["order_date"])
    shops.change_customer(
        moved["order_id"], LAST_WINDOW.start + timedelta(minutes=5), other["customer_id"]
    )
    shops.delete_order(
        berlin.shop_domain, deleted["order_id"], LAST_WINDOW.start + timedelta(minutes=7)
    )
    shops.redact_customer(anonymised["customer_id"], LAST_WINDOW.start + timedelta(minutes=10))
    api = ShopifyAdminApiResource(
        base_url_template=settings.shopify_admin_base_url, api_version=settings.shopify_api_version
    )
    try:
        deletions = [
            OrderDeletion(order_id, deleted_at)
            for order_id, deleted_at in shops.deleted_orders(
                berlin.shop_domain, LAST_WINDOW.start, LAST_WINDOW.end
            )
        ]
        with api.client(shop) as client:
            outcome = sync_orders(
                shop, client, [LAST_WINDOW], warehouse, bulk=False, deletions=deletions
            )
        assert (outcome.error, outcome.quarantined) == (None, 0)
        # The shop's truth now: whose the orders are, and that the deleted one is gone.
        shown = {
            order.order_id: order.customer_id
            for chosen in (moved, deleted, anonymised)
            for order in shops.orders(
                berlin.shop_domain,
                chosen["created_at"],
                chosen["created_at"] + timedelta(seconds=1),
            )
        }
        run.facts["shop_customers"] = shown
    finally:
        shops.clear_order_changes()


# -- rounds 2 and 3: the settings -----------------------------------------------------------------


def _change_workspace_settings(
    merchant: Merchant, app_database_url: str, warehouse_url: str
) -> None:
    """The New York merchant switches to EUR and to Chicago time in the app; the app_workspaces
    asset copies the settings over."""
    with open_session(app_database_url) as session, session.begin():
        upsert_workspace(
            session, slug=merchant.slug, name=merchant.name, currency="EUR", timezone=NEW_TIMEZONE
        )
    warehouse = open_warehouse(warehouse_url)
    try:
        replace_workspaces(warehouse, read_workspaces(app_database_url))
    finally:
        warehouse.close()


def _change_fx_seed(run: Propagated) -> dict[str, Any]:
    """A corrected ECB rate in the seed: USD's last publication on or before the run's days, as
    `dbt build` would load it from seeds/fx_rates.csv."""
    (published,) = run.read(
        "SELECT rate_date, rate FROM seeds.fx_rates WHERE quote_currency = 'USD'"
        " AND rate_date = (SELECT max(rate_date) FROM seeds.fx_rates"
        " WHERE quote_currency = 'USD' AND rate_date <= :day)",
        {"day": NOW.date()},
    )
    corrected = (Decimal(published["rate"]) * Decimal("1.1")).quantize(Decimal("0.0001"))
    execute_on_warehouse(
        run.warehouse_url,
        f"UPDATE seeds.fx_rates SET rate = {corrected}"
        f" WHERE quote_currency = 'USD' AND rate_date = '{published['rate_date']}'",
    )
    return {"rate_date": published["rate_date"], "eur_per_usd": 1 / corrected}


# -- builds --------------------------------------------------------------------------------------


def _build(dbt: DbtRunner, run: Propagated, round_: Round) -> None:
    round_.rows_before = {model: _rows_per_workspace(run, model) for model in PER_WORKSPACE_MODELS}
    dbt("run")
    for model in PER_WORKSPACE_MODELS:
        # The model's compiled SQL is its incremental batch: run again after the build, it
        # returns the rows the build inserted (its keys are literals, its inputs built before).
        batch = f"({dbt.compiled_sql(model.split('.')[1])}) AS batch"
        round_.inserted[model] = _rows_per_workspace(run, batch)
        round_.inserted_keys[model] = {
            tuple(row.values()) for row in run.read(f"SELECT DISTINCT {KEYS[model]} FROM {batch}")
        }
        round_.rows_after[model] = _rows_per_workspace(run, model)


def _compare_with_a_full_refresh(dbt: DbtRunner, run: Propagated, round_: Round) -> None:
    execute_on_warehouse(
        run.warehouse_url,
        "DROP SCHEMA IF EXISTS incremental_build CASCADE",
        "CREATE SCHEMA incremental_build",
        *(
            f"CREATE TABLE incremental_build.{model.split('.')[1]} AS SELECT * FROM {model}"
            for model in COMPARED_MODELS
        ),
    )
    dbt("run", "--full-refresh")
    for model in COMPARED_MODELS:
        incremental = f"incremental_build.{model.split('.')[1]}"
        round_.differing[model] = [
            {"only_in": left, **row}
            for left, right in ((incremental, model), (model, incremental))
            for row in run.read(f"SELECT * FROM {left} EXCEPT ALL SELECT * FROM {right}")
        ]


def _rows_per_workspace(run: Propagated, relation: str) -> Counter[str]:
    return Counter(
        {
            row["workspace_id"]: row["n"]
            for row in run.read(
                f"SELECT workspace_id, count(*) AS n FROM {relation} GROUP BY workspace_id"
            )
        }
    )


def _count(run: Propagated, relation: str, params: dict[str, Any]) -> int:
    return run.read(f"SELECT count(*) AS n FROM {relation}", params)[0]["n"]


def _day_orders(run: Propagated, day: date) -> int:
    rows = run.read(
        "SELECT orders FROM marts.fct_shop_kpis_daily WHERE workspace_id = :w AND date_day = :d",
        {"w": run.berlin, "d": day},
    )
    return rows[0]["orders"] if rows else 0


# -- round 1 ---------------------------------------------------------------------------------------


def test_the_sources_changes_rebuild_only_their_keys(propagated: Propagated) -> None:
    sources, berlin, new_york = propagated.sources, propagated.berlin, propagated.new_york
    facts = propagated.facts
    for model in PER_WORKSPACE_MODELS:
        assert set(sources.inserted[model]) <= {berlin}, model
        assert sources.rows_after[model][new_york] == sources.rows_before[model][new_york], model
    # The ads keys re-landed with rows: Meta's two days. Google's emptied day has none left but
    # in the snapshots, which keep what its earlier captures saw.
    meta, google = facts["meta_connection"], facts["google_connection"]
    relanded = {(meta, EMPTIED_DAY), (meta, facts["deleted_ad_day"])}
    for model in PER_WORKSPACE_MODELS[:3]:
        assert sources.inserted_keys[model] == relanded, model
    snapshots = sources.inserted_keys["marts.fct_metric_snapshots"]
    assert snapshots == relanded | {(google, EMPTIED_DAY)}
    # The orders changed, those re-landed in the last window with them, and the other orders of
    # their customers: not the workspace's.
    orders = sources.inserted_keys["marts.fct_orders"]
    changed = {facts[name]["order_id"] for name in ("moved", "anonymised", "new_customer")}
    assert changed <= {order_id for (order_id,) in orders}
    assert (facts["deleted"]["order_id"],) not in orders
    assert len(orders) < sources.rows_after["marts.fct_orders"][berlin] / 4
    assert sources.inserted_keys["marts.dim_customers"] >= {(facts["new_customer"]["customer_id"],)}


def test_a_day_the_platform_no_longer_reports_leaves_the_marts(propagated: Propagated) -> None:
    facts = propagated.facts
    key = {"c": facts["google_connection"], "d": EMPTIED_DAY}
    assert facts["emptied_day_rows_before"] > 0
    for model, day_column in (
        ("intermediate.int_ad_hourly", "report_date"),
        ("marts.fct_ad_reporting_hourly", "date_day"),
        ("marts.fct_ad_reporting_daily", "date_day"),
    ):
        assert (
            _count(propagated, f"{model} WHERE connection_id = :c AND {day_column} = :d", key) == 0
        )
    # The snapshots keep what earlier captures saw; the emptied capture's rows go.
    snapshots = "marts.fct_metric_snapshots WHERE connection_id = :c AND report_date = :d"
    assert _count(propagated, snapshots, key) > 0
    window = {**key, "w": facts["emptied_window"]}
    assert _count(propagated, f"{snapshots} AND window_start = :w", window) == 0


def test_an_ad_missing_from_a_relanded_capture_leaves_that_day(propagated: Propagated) -> None:
    facts = propagated.facts
    rows = propagated.read(
        "SELECT ad_id, count(*) AS n FROM marts.fct_ad_reporting_daily"
        " WHERE connection_id = :c AND date_day = :d GROUP BY ad_id",
        {"c": facts["meta_connection"], "d": EMPTIED_DAY},
    )
    assert rows, "the day's other ads are still reported"
    assert facts["left_out_ad"] not in {row["ad_id"] for row in rows}
    # Its other days keep their rows.
    assert (
        _count(
            propagated,
            "marts.fct_ad_reporting_daily WHERE ad_id = :a AND date_day <> :d",
            {"a": facts["left_out_ad"], "d": EMPTIED_DAY},
        )
        > 0
    )


def test_an_ad_deleted_on_meta_is_marked_deleted_and_keeps_its_spend(
    propagated: Propagated,
) -> None:
    facts = propagated.facts
    assert facts["deleted_ad_status"] == "DELETED"
    (entity,) = propagated.read(
        "SELECT status, effective_status FROM marts.dim_ad_entities"
        " WHERE entity_level = 'ad' AND entity_id = :a",
        {"a": facts["deleted_ad"]},
    )
    assert entity == {"status": "DELETED", "effective_status": "DELETED"}
    (spent,) = propagated.read(
        "SELECT sum(spend) AS spend FROM marts.fct_ad_reporting_daily"
        " WHERE ad_id = :a AND date_day = :d",
        {"a": facts["deleted_ad"], "d": facts["deleted_ad_day"]},
    )
    assert facts["deleted_ad_spend"] > 0
    assert Decimal(spent["spend"]) == facts["deleted_ad_spend"]


def test_an_order_moved_to_another_customer_leaves_no_stale_customer(
    propagated: Propagated,
) -> None:
    facts = propagated.facts
    moved, new_customer = facts["moved"], facts["new_customer"]
    assert facts["shop_customers"][moved["order_id"]] == new_customer["customer_id"]
    (order,) = propagated.read(
        "SELECT customer_id FROM marts.fct_orders WHERE order_id = :o", {"o": moved["order_id"]}
    )
    assert order["customer_id"] == new_customer["customer_id"]
    customers = {
        row["customer_id"]: row
        for row in propagated.read(
            "SELECT customer_id, orders FROM marts.dim_customers WHERE customer_id IN (:a, :b)",
            {"a": moved["customer_id"], "b": new_customer["customer_id"]},
        )
    }
    # The previous customer placed no other order the marts hold.
    assert moved["customer_id"] not in customers
    assert customers[new_customer["customer_id"]]["orders"] == 2


def test_an_order_deleted_on_shopify_leaves_the_marts(propagated: Propagated) -> None:
    facts = propagated.facts
    deleted = facts["deleted"]
    assert deleted["order_id"] not in facts["shop_customers"], "the shop no longer shows it"
    for relation in (
        "marts.fct_orders",
        "marts.fct_sales",
        "marts.fct_refunds",
        "marts.fct_attribution_credits",
    ):
        assert (
            _count(propagated, f"{relation} WHERE order_id = :o", {"o": deleted["order_id"]}) == 0
        )
    assert (
        _count(
            propagated, "marts.dim_customers WHERE customer_id = :c", {"c": deleted["customer_id"]}
        )
        == 0
    )
    assert _day_orders(propagated, deleted["order_date"]) == facts["deleted_day_orders_before"] - 1


def test_an_anonymised_customer_leaves_dim_customers(propagated: Propagated) -> None:
    facts = propagated.facts
    anonymised = facts["anonymised"]
    assert facts["shop_customers"][anonymised["order_id"]] is None
    (order,) = propagated.read(
        "SELECT customer_id, is_new_customer, counts_as_revenue FROM marts.fct_orders"
        " WHERE order_id = :o",
        {"o": anonymised["order_id"]},
    )
    assert order == {"customer_id": None, "is_new_customer": False, "counts_as_revenue": True}
    assert (
        _count(
            propagated,
            "marts.dim_customers WHERE customer_id = :c",
            {"c": anonymised["customer_id"]},
        )
        == 0
    )


# -- rounds 2 and 3 ------------------------------------------------------------------------------


def _rebuilt_whole_and_alone(round_: Round, rebuilt: str, untouched: str) -> None:
    for model in PER_WORKSPACE_MODELS:
        assert round_.inserted[model][untouched] == 0, model
        assert round_.rows_after[model][untouched] == round_.rows_before[model][untouched], model
        assert round_.inserted[model][rebuilt] == round_.rows_after[model][rebuilt] > 0, model


def test_a_workspace_currency_and_timezone_change_rebuilds_that_workspace_alone(
    propagated: Propagated,
) -> None:
    _rebuilt_whole_and_alone(propagated.settings, propagated.new_york, propagated.berlin)
    ads = propagated.read(
        "SELECT DISTINCT workspace_currency, currency FROM marts.fct_ad_reporting_daily"
        " WHERE workspace_id = :w",
        {"w": propagated.new_york},
    )
    assert ads == [{"workspace_currency": "EUR", "currency": "USD"}]
    orders = propagated.read(
        "SELECT created_at, order_date FROM marts.fct_orders WHERE workspace_id = :w",
        {"w": propagated.new_york},
    )
    chicago, new_york = ZoneInfo(NEW_TIMEZONE), ZoneInfo("America/New_York")
    assert all(
        order["order_date"] == order["created_at"].astimezone(chicago).date() for order in orders
    )
    assert any(
        order["created_at"].astimezone(chicago).date()
        != order["created_at"].astimezone(new_york).date()
        for order in orders
    ), "some order changed day"
    coverage = propagated.read(
        "SELECT DISTINCT workspace_timezone FROM marts.fct_landing_coverage_daily"
        " WHERE workspace_id = :w",
        {"w": propagated.new_york},
    )
    assert coverage == [{"workspace_timezone": NEW_TIMEZONE}]


def test_an_fx_seed_change_rebuilds_the_workspaces_converting_with_it(
    propagated: Propagated,
) -> None:
    # Berlin's money is all in EUR: no rate of the seed converts it.
    _rebuilt_whole_and_alone(propagated.fx, propagated.new_york, propagated.berlin)
    corrected = propagated.facts["fx_rate"]
    rates = propagated.read(
        "SELECT DISTINCT fx_rate FROM marts.fct_orders WHERE workspace_id = :w AND order_date = :d",
        {"w": propagated.new_york, "d": corrected["rate_date"]},
    )
    expected = corrected["eur_per_usd"].quantize(Decimal("0.0000000001"), ROUND_HALF_UP)
    assert [Decimal(row["fx_rate"]) for row in rates] == [expected]


@pytest.mark.parametrize("round_name", ["settings", "fx"])
def test_incremental_builds_equal_a_full_refresh_after_the_changes(
    propagated: Propagated, round_name: str
) -> None:
    differing = getattr(propagated, round_name).differing
    assert set(differing) == set(COMPARED_MODELS)
    for model, rows in differing.items():
        assert rows == [], f"{model}: {rows[:4]}"
