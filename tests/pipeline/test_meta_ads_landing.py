"""The Meta ingestion assets materialized by Dagster against the simulator, on DuckDB and
PostgreSQL: every connection lands its window; one whose token expired fails alone, is recorded,
and fills in without duplicates once the merchant reconnected; one the platform keeps failing,
or whose stored credentials no longer decrypt, fails alone until a retry fills its gap."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from dagster import DagsterInstance, ExecuteInProcessResult, materialize

from metricx.settings import Settings
from orchestration.definitions import build_resources
from orchestration.defs.meta_ads.assets import meta_ads_entities, meta_ads_insights_hourly
from orchestration.defs.meta_ads.resources import MetaAdsApiResource
from orchestration.lib.resources import AppDatabaseResource
from orchestration.lib.windows import Window
from orchestration.partitions import window_key
from simulator.merchants import Merchant
from simulator.meta_ads.faults import MetaFault
from simulator.server import SimulatorServer
from simulator.world import World
from stack.demo import seed_demo_workspaces
from tests.helpers import make_settings, read_warehouse
from warehouse.appdb.credentials import CredentialCipher
from warehouse.appdb.models import Connection, ConnectionStatus
from warehouse.appdb.reconnects import resume
from warehouse.appdb.session import open_session

# A window on the hour, so the run restates the two days before (the default cadence).
WINDOW = Window(datetime(2026, 8, 10, 15, tzinfo=UTC), datetime(2026, 8, 10, 15, 15, tzinfo=UTC))
PARTITION_KEY = window_key(WINDOW.start)
NOW = WINDOW.end + timedelta(minutes=3)
INSIGHTS_STEP = "raw__meta_ads_insights_hourly"
META_ENTITIES_STEP = "raw__meta_ads_entities"


@pytest.fixture(scope="module")
def landing_world() -> World:
    return World(merchants=3, ads_per_merchant=8, clock=lambda: NOW)


@pytest.fixture(scope="module")
def landing_simulator(landing_world: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(landing_world) as server:
        yield server


@pytest.fixture
def landing_on(
    tmp_path: Path,
    warehouse_url_for: Callable[[str], str],
    landing_world: World,
    landing_simulator: SimulatorServer,
) -> Callable[[str], _Landing]:
    """`landing_on(backend)`: the three merchants seeded on a fresh warehouse of `backend`."""

    def on(backend: str) -> _Landing:
        settings = make_settings(
            warehouse_url=warehouse_url_for(backend),
            app_database_url=f"sqlite:///{tmp_path / 'app.db'}",
            simulator_url=landing_simulator.base_url,
        )
        return _Landing(settings, landing_world)

    return on


def materialize_window(settings: Settings, instance: DagsterInstance) -> ExecuteInProcessResult:
    resources = build_resources(settings)
    return materialize(
        [
            meta_ads_insights_hourly(settings.partitions_start),
            meta_ads_entities(settings.partitions_start),
        ],
        partition_key=PARTITION_KEY,
        resources={name: resources[name] for name in ("warehouse", "app_database", "meta_ads_api")},
        instance=instance,
        raise_on_error=False,
    )


def metadata(result: ExecuteInProcessResult, step: str) -> dict[str, Any]:
    (materialization,) = result.asset_materializations_for_node(step)
    return {name: value.value for name, value in materialization.metadata.items()}


def capture(world: World, merchant: Merchant, window: Window) -> list[tuple]:
    """What the slice of `window` (on the hour: its run restates) holds: the local day up to
    the window's hour and, whole, the two days before it."""
    day, hour = window.local_day_and_hour(merchant.timezone)
    up_to_hour = {day - timedelta(days=back): 23 for back in (1, 2)} | {day: hour}
    return sorted(
        (row.local_date, row.ad.ad_id, row.hour_of_day, row.delivery.spend, row.delivery.purchases)
        for captured, last_hour in up_to_hour.items()
        for row in world.meta.ad_hours(merchant.meta_account_id, captured)
        if row.hour_of_day <= last_hour
    )


def landed_rows(settings: Settings, connection_id: str, window: Window) -> list[tuple]:
    """What the connection's slice of `window` holds, in the shape of `capture`."""
    rows = read_warehouse(
        settings.warehouse_url,
        "SELECT date_start, ad_id, hour_of_day, spend, purchases "
        "FROM raw.meta_ads_insights_hourly "
        "WHERE connection_id = :connection_id AND window_start = :window_start",
        {"connection_id": connection_id, "window_start": window.start},
    )
    return sorted(tuple(row.values()) for row in rows)


class _Landing:
    """Insights windows landed for the three merchants, and what each connection holds after."""

    def __init__(self, settings: Settings, world: World) -> None:
        seed_demo_workspaces(settings, world)
        self.settings, self.world = settings, world
        self.resources = build_resources(settings)
        # One retry with no real waiting: a failure has to outlast the retries, not the test.
        self.resources["meta_ads_api"] = MetaAdsApiResource(
            base_url=settings.meta_api_base_url,
            api_version=settings.meta_api_version,
            max_retries=1,
            max_backoff_seconds=0.01,
        )
        self.connections = {
            target.external_account_id: target.connection_id
            for target in AppDatabaseResource(
                url=settings.app_database_url, secret_key=settings.secret_key
            ).sync_targets("meta_ads")
        }

    def run(self) -> ExecuteInProcessResult:
        with DagsterInstance.ephemeral() as instance:
            return materialize(
                [meta_ads_insights_hourly(self.settings.partitions_start)],
                partition_key=PARTITION_KEY,
                resources={
                    k: self.resources[k] for k in ("warehouse", "app_database", "meta_ads_api")
                },
                instance=instance,
                raise_on_error=False,
            )

    def window_rows(self, merchant: Merchant) -> list[tuple]:
        return landed_rows(self.settings, self.connections[merchant.meta_account_id], WINDOW)

    def statuses(self) -> dict[str, tuple[str, bool]]:
        """Per merchant, the connection's status and whether it says since when it errs."""
        with open_session(self.settings.app_database_url) as session:
            return {
                merchant.meta_account_id: (connection.status, connection.error_since is not None)
                for merchant in self.world.merchants
                if (
                    connection := session.get(
                        Connection, self.connections[merchant.meta_account_id]
                    )
                )
            }

    def assert_failed_alone(self, result: ExecuteInProcessResult, failing: Merchant) -> str:
        """The run failed (so the window is retried) for `failing` only: the others' slices are
        complete, the failing connection shows `error`. Returns its outcome's error."""
        assert not result.success
        (failure,) = result.get_step_failure_events()
        recorded = failure.step_failure_data.user_failure_data.metadata
        assert recorded["failed_connections"].value == 1
        (failed_outcome,) = [o for o in recorded["outcomes"].value if o.get("error")]
        assert failed_outcome["account_id"] == failing.meta_account_id
        for merchant in self.world.merchants:
            expected = [] if merchant is failing else capture(self.world, merchant, WINDOW)
            assert self.window_rows(merchant) == expected
        # Still synced (a retry fixes it), and the merchant sees it.
        assert self.statuses() == {
            merchant.meta_account_id: (ConnectionStatus.ERROR, True)
            if merchant is failing
            else (ConnectionStatus.ACTIVE, False)
            for merchant in self.world.merchants
        }
        return failed_outcome["error"]

    def assert_retries_fill_the_gap(self) -> None:
        for _ in range(2):
            assert self.run().success
            for merchant in self.world.merchants:
                assert self.window_rows(merchant) == capture(self.world, merchant, WINDOW)
            assert self.statuses() == {
                m.meta_account_id: (ConnectionStatus.ACTIVE, False) for m in self.world.merchants
            }


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_an_expired_token_fails_its_connection_alone_and_a_rerun_fills_the_gap(
    backend: str, landing_on: Callable[[str], _Landing], landing_world: World
) -> None:
    world = landing_world
    landing = landing_on(backend)
    settings = landing.settings
    connections, landed = landing.connections, landing.window_rows
    expired, *healthy = world.merchants

    def counts() -> dict[str, int]:
        return read_warehouse(
            settings.warehouse_url,
            "SELECT (SELECT count(*) FROM raw.meta_ads_insights_hourly) AS insights,"
            " (SELECT count(*) FROM raw.meta_ads_entities) AS entities,"
            " (SELECT count(*) FROM raw.landing_log) AS slices",
        )[0]

    world.faults.expire_meta_token(expired.meta_account_id)
    try:
        with DagsterInstance.ephemeral() as instance:
            first = materialize_window(settings, instance)
    finally:
        world.faults.restore_meta_token(expired.meta_account_id)
    assert first.success
    # The first step to meet the token records the refusal and marks the connection; the
    # other step then no longer syncs it (tests/pipeline/test_reconnect_backfill.py goes on).
    refusals = [
        recorded
        for recorded in (metadata(first, step) for step in (INSIGHTS_STEP, META_ENTITIES_STEP))
        if recorded["failed_connections"]
    ]
    assert refusals
    for recorded in refusals:
        assert recorded["connections_needing_reconnect"] == [connections[expired.meta_account_id]]
        failure = next(
            o for o in recorded["outcomes"] if o["account_id"] == expired.meta_account_id
        )
        assert "reconnect Meta Ads" in failure["error"]
    with open_session(settings.app_database_url) as session, session.begin():
        refused = session.get(Connection, connections[expired.meta_account_id])
        assert refused is not None and refused.status == ConnectionStatus.NEEDS_RECONNECT
        assert refused.needs_reconnect_since == WINDOW.start
        # The merchant reconnects (the API's flow: tests/api/test_connections.py).
        resume(refused, NOW)
    assert metadata(first, INSIGHTS_STEP)["restatement_days"] == 2
    for merchant in healthy:
        assert landed(merchant) == capture(world, merchant, WINDOW)
    assert landed(expired) == []
    after_first = counts()
    per_merchant_entities = after_first["entities"] // len(healthy)
    assert per_merchant_entities == 2 + 4 + 8

    # Re-running the window fills its slices, twice changes nothing.
    with DagsterInstance.ephemeral() as instance:
        for _ in range(2):
            again = materialize_window(settings, instance)
            assert again.success
            assert metadata(again, INSIGHTS_STEP)["failed_connections"] == 0
            for merchant in world.merchants:
                assert landed(merchant) == capture(world, merchant, WINDOW)
            after_rerun = counts()
            assert after_rerun["entities"] == per_merchant_entities * len(world.merchants)
            # One insights slice (the window's day, two restated days) and one entities slice
            # each.
            assert after_rerun["slices"] == 2 * len(world.merchants)
            assert after_rerun["insights"] == after_first["insights"] + len(landed(expired))


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_a_platform_failing_for_one_merchant_fails_the_run_but_not_the_others(
    backend: str, landing_on: Callable[[str], _Landing], landing_world: World
) -> None:
    """Meta answers 500 to one account, past every retry: the run fails so the window is retried,
    the two other merchants' slices are complete, the failing connection shows `error` until the
    retry fills the gap exactly."""
    landing = landing_on(backend)
    failing = landing_world.merchants[0]

    landing_world.faults.fail_meta(100, MetaFault.SERVER_ERROR, account_id=failing.meta_account_id)
    try:
        first = landing.run()
    finally:
        landing_world.faults.clear()

    landing.assert_failed_alone(first, failing)
    landing.assert_retries_fill_the_gap()


def test_credentials_sealed_under_another_key_fail_their_connection_alone(
    landing_on: Callable[[str], _Landing], landing_world: World
) -> None:
    """A connection whose stored credentials no longer decrypt (a secret key replaced, a key
    file lost) fails alone with an error that says so, instead of stopping every merchant's
    landing; with the key restored, the retries fill its gap."""
    landing = landing_on("duckdb")
    settings = landing.settings
    failing = landing_world.merchants[0]
    connection_id = landing.connections[failing.meta_account_id]
    with open_session(settings.app_database_url) as session, session.begin():
        connection = session.get_one(Connection, connection_id)
        sealed = connection.credentials_encrypted
        credentials = CredentialCipher(settings.secret_key).decrypt(sealed)
        connection.credentials_encrypted = CredentialCipher(Fernet.generate_key()).encrypt(
            credentials
        )

    error = landing.assert_failed_alone(landing.run(), failing)
    assert error.startswith("UnreadableCredentials: ")
    assert connection_id in error and "secret key" in error

    with open_session(settings.app_database_url) as session, session.begin():
        session.get_one(Connection, connection_id).credentials_encrypted = sealed
    landing.assert_retries_fill_the_gap()
