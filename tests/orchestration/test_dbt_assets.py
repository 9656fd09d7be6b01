"""The dbt models as Dagster assets: their groups in the UI, which of them are partitioned, and
the manifest kept current without parsing on import. The full refresh a data engineer picks in
the build_warehouse launchpad is run by tests/pipeline/test_incremental_marts.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dagster import AssetKey, BackfillPolicy, Definitions

from metricx.settings import get_settings
from orchestration.defs.dbt import project
from orchestration.defs.dbt.definitions import build_defs
from orchestration.defs.dbt.project import manifest_is_current, prepare_dbt_manifest
from orchestration.lib.resources import WarehouseResource

# The app database's workspaces are copied whole, not in windows.
WHOLE_COPIES = {AssetKey(["raw", "app_workspaces"])}
UNPARTITIONED_MODELS = {
    AssetKey(["seeds", "fx_rates"]),
    AssetKey(["intermediate", "int_fx_rates_daily"]),
    AssetKey(["staging", "stg_app__workspaces"]),
    AssetKey(["intermediate", "int_workspaces"]),
    AssetKey(["marts", "metricflow_time_spine"]),
}
GROUPS = {
    AssetKey(["seeds", "fx_rates"]): "seeds",
    AssetKey(["staging", "stg_meta_ads__insights_hourly"]): "staging",
    AssetKey(["staging", "stg_shopify__orders"]): "staging",
    AssetKey(["intermediate", "int_ad_hourly"]): "intermediate",
    AssetKey(["marts", "fct_ad_reporting_daily"]): "marts_ads",
    AssetKey(["marts", "fct_orders"]): "marts_shop",
    AssetKey(["marts", "fct_attribution_credits"]): "marts_attribution",
    AssetKey(["marts", "fct_landing_coverage_daily"]): "marts_coverage",
    AssetKey(["marts", "metricflow_time_spine"]): "marts",
}


def _dbt_definitions() -> Definitions:
    """The dbt integration's definitions, with the shared warehouse the top level adds."""
    settings = get_settings()
    shared = Definitions(resources={"warehouse": WarehouseResource(url=settings.warehouse_url)})
    return Definitions.merge(build_defs(settings), shared)


def test_groups_follow_the_dbt_folders() -> None:
    graph = _dbt_definitions().resolve_asset_graph()
    dbt_keys = {key for key in graph.get_all_asset_keys() if graph.get(key).is_executable}
    assert {key: graph.get(key).group_name for key in GROUPS} == GROUPS
    assert {graph.get(key).group_name for key in dbt_keys} == {
        "seeds",
        "staging",
        "intermediate",
        "marts",
        "marts_ads",
        "marts_shop",
        "marts_attribution",
        "marts_coverage",
    }


def test_only_the_models_reading_landed_windows_are_partitioned() -> None:
    graph = _dbt_definitions().resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    dbt_keys = {key for key in keys if graph.get(key).is_executable}
    landings = {key for key in keys if key.path[0] == "raw" and key not in WHOLE_COPIES}
    unpartitioned = {key for key in dbt_keys if graph.get(key).partitions_def is None}
    assert unpartitioned == UNPARTITIONED_MODELS
    for key in dbt_keys - unpartitioned:
        assert graph.get_ancestor_asset_keys(key) & landings, f"{key} reads no landed window"
        assert graph.get(key).backfill_policy == BackfillPolicy.single_run()
    for key in unpartitioned:
        assert not graph.get_ancestor_asset_keys(key) & landings, f"{key} reads landed windows"


def test_a_manifest_older_than_a_model_is_stale(tmp_path: Path) -> None:
    for name in ("dbt_project.yml", "profiles.yml", "models/staging/stg_a.sql"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    manifest = tmp_path / "target" / "manifest.json"
    assert not manifest_is_current(tmp_path, manifest)
    manifest.parent.mkdir()
    manifest.write_text("{}")
    assert manifest_is_current(tmp_path, manifest)
    edited = manifest.stat().st_mtime + 1
    os.utime(tmp_path / "models/staging/stg_a.sql", (edited, edited))
    assert not manifest_is_current(tmp_path, manifest)


def test_preparing_the_manifest_says_it_parses(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    commands: list[list[str]] = []
    monkeypatch.setattr(project, "manifest_is_current", lambda *_: False)
    monkeypatch.setattr(project.subprocess, "run", lambda command, **_: commands.append(command))
    prepare_dbt_manifest()
    assert commands == [[project.DBT_EXECUTABLE, "parse", "--quiet", "--no-partial-parse"]]
    assert "metricx: parsing the dbt project" in capsys.readouterr().err
