"""The demo: the simulated world's merchants as metricx workspaces, and one pipeline run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from dagster import DagsterInstance, Definitions, ExecuteInProcessResult
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from sqlalchemy import select

from metricx.settings import Settings
from orchestration.jobs import INGEST_JOB_NAME, WAREHOUSE_JOB_NAME
from orchestration.lib.loggers import RUN_LOGGER_CONFIG
from orchestration.lib.windows import WINDOW
from orchestration.partitions import DAY_KEY_FORMAT, window_key
from simulator.shopify.pixel_replay import pixel_batches, post_batch
from simulator.world import World
from warehouse.appdb.credentials import CredentialCipher, load_cipher
from warehouse.appdb.migrate import upgrade
from warehouse.appdb.models import Connection, Provider, Role
from warehouse.appdb.session import make_engine, make_session_factory
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


def seed_demo_workspaces(
    settings: Settings, world: World, cipher: CredentialCipher | None = None
) -> dict[str, str]:
    """Migrate the app database and upsert one workspace, owner and ad connections per merchant.

    Returns workspace ids by merchant slug. Safe to run on every start.
    """
    upgrade(settings.app_database_url)
    cipher = cipher or load_cipher(settings)
    engine = make_engine(settings.app_database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            workspace_ids = {}
            for merchant in world.merchants:
                workspace = upsert_workspace(
                    session,
                    slug=merchant.slug,
                    name=merchant.name,
                    currency=merchant.currency,
                    timezone=merchant.timezone,
                )
                user = upsert_user(
                    session, clerk_user_id=merchant.clerk_user_id, email=merchant.email
                )
                ensure_membership(
                    session, user_id=user.id, workspace_id=workspace.id, role=Role.OWNER
                )
                upsert_connection(
                    session,
                    workspace_id=workspace.id,
                    provider=Provider.META_ADS,
                    external_account_id=merchant.meta_account_id,
                    display_name=f"{merchant.name} — Meta Ads",
                    credentials={"access_token": merchant.meta_access_token},
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
    finally:
        engine.dispose()


@dataclass(frozen=True)
class PipelineResult:
    """The two runs of a pipeline pass: landing the windows, then building the models."""

    ingest: ExecuteInProcessResult
    warehouse: ExecuteInProcessResult | None

    @property
    def success(self) -> bool:
        return self.ingest.success and self.warehouse is not None and self.warehouse.success


def replay_pixel_traffic(settings: Settings, world: World, demo_range: DemoRange) -> int:
    """Post the shops' storefront events of the range to the pixel intake, each batch received
    when the pixel would have sent it, so the pipeline lands it in its window. Returns the
    events stored.

    The intake runs in-process (its real route, through ASGI) with its receipt clock set to the
    replayed moment: the live API would stamp the replay's wall-clock time instead.
    """
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.pixel.dependencies import receipt_clock

    engine = make_engine(settings.app_database_url)
    try:
        with make_session_factory(engine)() as session:
            keys = dict(
                session.execute(
                    select(Connection.external_account_id, Connection.pixel_key).where(
                        Connection.provider == Provider.SHOPIFY,
                        Connection.pixel_key.is_not(None),
                    )
                )
                .tuples()
                .all()
            )
    finally:
        engine.dispose()
    sent_at = demo_range.start
    app = create_app(settings)
    app.dependency_overrides[receipt_clock] = lambda: lambda: sent_at
    stored = 0
    with TestClient(app, base_url="http://metricx-api") as client:
        for merchant in world.merchants:
            key = keys.get(merchant.shop_domain)
            if key is None:
                continue
            for batch in pixel_batches(
                world, merchant.shop_domain, demo_range.start, demo_range.end
            ):
                sent_at = batch.sent_at
                stored += post_batch(client, key, batch)["stored"]
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
    warehouse = definitions.resolve_job_def(WAREHOUSE_JOB_NAME).execute_in_process(
        instance=instance,
        tags=_range_tags(
            demo_range.start.strftime(DAY_KEY_FORMAT),
            (demo_range.end - WINDOW).strftime(DAY_KEY_FORMAT),
        ),
        run_config=RUN_LOGGER_CONFIG,
        raise_on_error=False,
    )
    return PipelineResult(ingest, warehouse)


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
