"""The demo: the simulated world's merchants as metricx workspaces, and one pipeline run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from dagster import DagsterInstance, Definitions, ExecuteInProcessResult
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from dagster_shared.error import SerializableErrorInfo
from sqlalchemy import select
from sqlalchemy.orm import Session

from metricx.settings import Settings
from orchestration.defs.dbt.assets import DBT_BUILD_OPS
from orchestration.jobs import INGEST_JOB_NAME, WAREHOUSE_JOB_NAME
from orchestration.lib.loggers import RUN_LOGGER_CONFIG
from orchestration.lib.windows import WINDOW
from orchestration.partitions import DAY_KEY_FORMAT, window_key
from simulator.merchants import Merchant
from simulator.shopify.pixel_replay import pixel_batches, post_batch
from simulator.world import World
from warehouse.appdb.credentials import CredentialCipher, load_cipher
from warehouse.appdb.migrate import upgrade
from warehouse.appdb.models import Connection, Provider, Role, Workspace
from warehouse.appdb.session import open_session
from warehouse.appdb.upserts import (
    ensure_membership,
    ensure_pixel_key,
    upsert_connection,
    upsert_user,
    upsert_workspace,
)


@dataclass(frozen=True)
class DemoRange:
    start: datetime
    end: datetime

    @property
    def first_partition_key(self) -> str:
        return window_key(self.start)

    @property
    def last_partition_key(self) -> str:
        return window_key(self.end - WINDOW)

    @property
    def windows(self) -> int:
        return int((self.end - self.start) / WINDOW)


def recent_range(hours: float, now: datetime | None = None) -> DemoRange:
    """The last `hours` of complete 15-minute windows before `now`."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    end = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    return DemoRange(end - timedelta(hours=hours), end)


def upsert_owned_workspace(session: Session, merchant: Merchant) -> Workspace:
    """The merchant's workspace, with the merchant as its owner (what a first sign-in makes)."""
    workspace = upsert_workspace(
        session,
        slug=merchant.slug,
        name=merchant.name,
        currency=merchant.currency,
        timezone=merchant.timezone,
    )
    user = upsert_user(session, clerk_user_id=merchant.clerk_user_id, email=merchant.email)
    ensure_membership(session, user_id=user.id, workspace_id=workspace.id, role=Role.OWNER)
    return workspace


def seed_demo_workspaces(
    settings: Settings, world: World, cipher: CredentialCipher | None = None
) -> dict[str, str]:
    """Migrate the app database and upsert one workspace, owner and ad connections per merchant.

    Returns workspace ids by merchant slug. Safe to run on every start.
    """
    upgrade(settings.app_database_url)
    cipher = cipher or load_cipher(settings)
    with open_session(settings.app_database_url) as session, session.begin():
        workspace_ids = {}
        for merchant in world.merchants:
            workspace = upsert_owned_workspace(session, merchant)
            upsert_connection(
                session,
                workspace_id=workspace.id,
                provider=Provider.META_ADS,
                external_account_id=merchant.meta_account_id,
                display_name=f"{merchant.name} — Meta Ads",
                credentials={
                    "access_token": merchant.meta_access_token,
                    "user_id": merchant.meta_user_id,
                },
                cipher=cipher,
            )
            upsert_connection(
                session,
                workspace_id=workspace.id,
                provider=Provider.GOOGLE_ADS,
                external_account_id=merchant.google_customer_id,
                display_name=f"{merchant.name} — Google Ads",
                credentials={"refresh_token": merchant.google_refresh_token},
                cipher=cipher,
                # A client of an agency's manager is read logged in through the manager.
                settings=(
                    {"login_customer_id": merchant.google_manager_customer_id}
                    if merchant.google_manager_customer_id
                    else None
                ),
            )
            shop = upsert_connection(
                session,
                workspace_id=workspace.id,
                provider=Provider.SHOPIFY,
                external_account_id=merchant.shop_domain,
                display_name=f"{merchant.name} — Shopify",
                credentials={"access_token": merchant.shopify_access_token},
                cipher=cipher,
            )
            ensure_pixel_key(session, shop)
            workspace_ids[merchant.slug] = workspace.id
        return workspace_ids


@dataclass(frozen=True)
class PipelineResult:
    """The two runs of a pipeline pass: landing the windows, then building the models."""

    ingest: ExecuteInProcessResult
    warehouse: ExecuteInProcessResult | None

    @property
    def success(self) -> bool:
        return self.ingest.success and self.warehouse is not None and self.warehouse.success

    def failure(self) -> str | None:
        """Which run failed, at which steps, and where to look; None when both succeeded."""
        if not self.ingest.success:
            return run_failure_message("landing run", self.ingest)
        if self.warehouse is not None and not self.warehouse.success:
            return run_failure_message("dbt build run", self.warehouse)
        return None


def run_failure_message(stage: str, result: ExecuteInProcessResult) -> str:
    failed_steps = {
        event.step_key or "(no step)": _root_cause(event.step_failure_data.error)
        for event in result.get_step_failure_events()
    }
    return stage_failure_message(
        stage,
        cause="; ".join(f"step {step} failed: {error}" for step, error in failed_steps.items())
        or "the run failed before any step ran",
        look_at=f"the log of {', '.join(failed_steps) or 'the run'} above, or run "
        f"{result.run_id} of job {result.job_def.name} in the Dagster UI (`metricx demo` "
        "serves it; the run is kept in DAGSTER_HOME)",
    )


def stage_failure_message(stage: str, *, cause: str, look_at: str) -> str:
    """What a person watching the demo needs when it stops: the stage, why, where to look."""
    return f"metricx: the demo's {stage} failed: {cause}\n  Look at: {look_at}"


def _root_cause(error: SerializableErrorInfo | None) -> str:
    """The first line of the error the step's code raised: Dagster wraps it in its own."""
    if error is None:
        return "no error recorded"
    while error.cause is not None:
        error = error.cause
    return first_line(error.message) or error.cls_name or "no message"


def first_line(text: str) -> str:
    """An error's first line, for a one-line summary: the log above holds the rest."""
    return next(iter(text.strip().splitlines()), "")


def replay_pixel_traffic(
    settings: Settings,
    world: World,
    demo_range: DemoRange,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Post the shops' storefront events of the range to the pixel intake, each batch received
    when the pixel would have sent it, so the pipeline lands it in its window. Returns the
    events stored. `progress` hears of each shop's every quarter of the range replayed: a day
    of traffic takes a while.

    The intake runs in-process (its real route, through ASGI) with its receipt clock set to the
    replayed moment: the live API would stamp the replay's wall-clock time instead.
    """
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.pixel.dependencies import receipt_clock

    with open_session(settings.app_database_url) as session:
        shops = session.execute(
            select(Connection.external_account_id, Connection.pixel_key).where(
                Connection.provider == Provider.SHOPIFY,
                Connection.pixel_key.is_not(None),
            )
        )
        keys = {shop_domain: pixel_key for shop_domain, pixel_key in shops}
    sent_at = demo_range.start
    app = create_app(settings)
    app.dependency_overrides[receipt_clock] = lambda: lambda: sent_at
    stored = 0
    with TestClient(app, base_url="http://metricx-api") as client:
        for number, merchant in enumerate(world.merchants, start=1):
            key = keys.get(merchant.shop_domain)
            if key is None:
                continue
            shop = f"pixel replay {number}/{len(world.merchants)} {merchant.shop_domain}"
            shop_stored = 0
            quarters_reported = 0
            for batch in pixel_batches(
                world, merchant.shop_domain, demo_range.start, demo_range.end
            ):
                sent_at = batch.sent_at
                # Starlette's TestClient is an httpx2.Client when httpx2 is installed (as here);
                # post_batch, typed for httpx.Client, only calls .post, which both share.
                shop_stored += post_batch(client, key, batch)["stored"]  # type: ignore[arg-type]
                quarters = int(
                    4 * (sent_at - demo_range.start) / (demo_range.end - demo_range.start)
                )
                if progress is not None and quarters > quarters_reported:
                    quarters_reported = quarters
                    progress(f"{shop}: {25 * quarters}% of the range, {shop_stored} events")
            stored += shop_stored
            if progress is not None:
                progress(f"{shop}: done, {shop_stored} events")
    return stored


def run_pipeline(
    definitions: Definitions, instance: DagsterInstance, demo_range: DemoRange
) -> PipelineResult:
    """Land the range's windows in one run, then build the models for the days it touches in
    another, both recorded in `instance` (the jobs have different partitions: windows, days)."""
    ingest = definitions.resolve_job_def(INGEST_JOB_NAME).execute_in_process(
        instance=instance,
        tags=_range_tags(demo_range.first_partition_key, demo_range.last_partition_key),
        run_config=RUN_LOGGER_CONFIG,
        raise_on_error=False,
    )
    if not ingest.success:
        return PipelineResult(ingest, None)
    return PipelineResult(ingest, build_warehouse(definitions, instance, demo_range))


def build_warehouse(
    definitions: Definitions,
    instance: DagsterInstance,
    demo_range: DemoRange,
    *,
    full_refresh: bool = False,
) -> ExecuteInProcessResult:
    """Build the models for the UTC days the range touches, as the launchpad would: with
    `full_refresh`, both dbt steps rebuild from everything landed."""
    run_config: dict[str, Any] = dict(RUN_LOGGER_CONFIG)
    if full_refresh:
        run_config["ops"] = {op: {"config": {"full_refresh": True}} for op in DBT_BUILD_OPS}
    return definitions.resolve_job_def(WAREHOUSE_JOB_NAME).execute_in_process(
        instance=instance,
        tags=_range_tags(
            demo_range.start.strftime(DAY_KEY_FORMAT),
            (demo_range.end - WINDOW).strftime(DAY_KEY_FORMAT),
        ),
        run_config=run_config,
        raise_on_error=False,
    )


def _range_tags(first_key: str, last_key: str) -> dict[str, str]:
    return {
        ASSET_PARTITION_RANGE_START_TAG: first_key,
        ASSET_PARTITION_RANGE_END_TAG: last_key,
    }


def mint_demo_token(simulator_url: str, session_id: str, lifetime_seconds: int) -> str:
    """A Clerk session token for a demo merchant, from the simulated Clerk instance."""
    response = httpx.post(
        f"{simulator_url}/clerk/v1/sessions/{session_id}/tokens",
        params={"expires_in_seconds": lifetime_seconds},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["jwt"]
