"""Freshness: every landing asset and every mart carries a policy, and Dagster's own freshness
loop, run over the real code location against a real instance, turns a source red when its last
landing is too old and green again after the next one."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from dagster import (
    AssetKey,
    AssetMaterialization,
    DagsterInstance,
    Definitions,
    instance_for_test,
)
from dagster._core.definitions.freshness import FreshnessState, TimeWindowFreshnessPolicy
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.test_utils import create_test_daemon_workspace_context, freeze_time
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
from dagster._daemon.freshness import FreshnessDaemon

from metricx.settings import PROJECT_ROOT
from orchestration.lib.freshness import LANDING_FRESHNESS, MART_FRESHNESS
from tests.orchestration.test_definitions import LANDING_KEYS

META_INSIGHTS = AssetKey(["raw", "meta_ads_insights_hourly"])
SHOP_KPIS = AssetKey(["marts", "fct_shop_kpis_daily"])
LANDED_AT = datetime(2026, 11, 20, 10, 4, tzinfo=UTC)


def test_every_landing_asset_and_mart_has_a_freshness_policy(defs: Definitions) -> None:
    graph = defs.resolve_asset_graph()
    policies = {key: graph.get(key).freshness_policy for key in graph.get_all_asset_keys()}
    marts = {key for key in policies if key.path[0] == "marts"}
    assert marts
    assert {key: policies[key] for key in LANDING_KEYS} == dict.fromkeys(
        LANDING_KEYS, LANDING_FRESHNESS
    )
    assert {key: policies[key] for key in marts} == dict.fromkeys(marts, MART_FRESHNESS)
    # Staging and intermediate models are views nobody reads directly.
    assert policies[AssetKey(["staging", "stg_shopify__orders"])] is None


def test_landing_is_late_after_one_missed_tick_and_stale_after_two() -> None:
    assert isinstance(LANDING_FRESHNESS, TimeWindowFreshnessPolicy)
    assert LANDING_FRESHNESS.warn_window.to_timedelta() == timedelta(minutes=22)
    assert LANDING_FRESHNESS.fail_window.to_timedelta() == timedelta(minutes=37)
    assert isinstance(MART_FRESHNESS, TimeWindowFreshnessPolicy)
    assert MART_FRESHNESS.fail_window.to_timedelta() == timedelta(minutes=47)


@pytest.fixture
def instance() -> Iterator[DagsterInstance]:
    with instance_for_test() as test_instance:
        yield test_instance


@pytest.fixture
def workspace(instance: DagsterInstance) -> Iterator[WorkspaceProcessContext]:
    """The code location as the daemon loads it (`workspace.yaml`), in this process."""
    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(
            executable_path=sys.executable,
            module_name="orchestration.definitions",
            attribute="defs",
            working_directory=str(PROJECT_ROOT),
        ),
        location_name="metricx",
    )
    with create_test_daemon_workspace_context(
        InProcessWorkspaceLoadTarget(origin), instance
    ) as context:
        yield context


def freshness_at(
    at: datetime, instance: DagsterInstance, workspace: WorkspaceProcessContext
) -> dict[AssetKey, FreshnessState]:
    """One pass of the daemon's freshness loop at `at`; the states it recorded."""
    with freeze_time(at):
        list(FreshnessDaemon().run_iteration(workspace))
    records = instance.get_freshness_state_records([META_INSIGHTS, SHOP_KPIS])
    return {key: record.freshness_state for key, record in records.items()}


def land(instance: DagsterInstance, key: AssetKey, partition: str, at: datetime) -> None:
    with freeze_time(at):
        instance.report_runless_asset_event(AssetMaterialization(key, partition=partition))


def test_a_source_turns_red_when_its_landings_stop_and_green_after_the_next(
    instance: DagsterInstance, workspace: WorkspaceProcessContext
) -> None:
    assert freshness_at(LANDED_AT, instance, workspace)[META_INSIGHTS] == FreshnessState.UNKNOWN

    land(instance, META_INSIGHTS, "2026-11-20-09:45", LANDED_AT)
    land(instance, SHOP_KPIS, "2026-11-20", LANDED_AT + timedelta(minutes=2))
    assert freshness_at(LANDED_AT + timedelta(minutes=21), instance, workspace) == {
        META_INSIGHTS: FreshnessState.PASS,
        SHOP_KPIS: FreshnessState.PASS,
    }
    # The 10:17 tick did not land: late, not yet stale.
    states = freshness_at(LANDED_AT + timedelta(minutes=23), instance, workspace)
    assert states[META_INSIGHTS] == FreshnessState.WARN
    # Nor did the 10:32 one: the source is red; the marts built from it are late.
    states = freshness_at(LANDED_AT + timedelta(minutes=38), instance, workspace)
    assert states == {META_INSIGHTS: FreshnessState.FAIL, SHOP_KPIS: FreshnessState.WARN}
    states = freshness_at(LANDED_AT + timedelta(minutes=50), instance, workspace)
    assert states[SHOP_KPIS] == FreshnessState.FAIL

    land(instance, META_INSIGHTS, "2026-11-20-10:30", LANDED_AT + timedelta(minutes=51))
    states = freshness_at(LANDED_AT + timedelta(minutes=52), instance, workspace)
    assert states == {META_INSIGHTS: FreshnessState.PASS, SHOP_KPIS: FreshnessState.FAIL}
