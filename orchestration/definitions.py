"""The metricx code location: `workspace.yaml` and `dagster dev -m orchestration.definitions`.

Each integration folder under `defs/` builds its own definitions (assets, checks, resources,
its own schedules); this module merges them and adds what spans them: the resources they share,
the two jobs, the cross-integration schedules, the failure sensor and the run logger. Adding a
source is a folder and one line in `LANDING`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

from dagster import AssetKey, AssetsDefinition, BetaWarning, Definitions, definitions

from metricx.settings import Settings, get_settings
from orchestration.backfills import build_reconnect_backfill_sensor
from orchestration.defs.app_database import definitions as app_database
from orchestration.defs.clerk import definitions as clerk
from orchestration.defs.dbt import definitions as dbt
from orchestration.defs.google_ads import definitions as google_ads
from orchestration.defs.meta_ads import definitions as meta_ads
from orchestration.defs.shopify import definitions as shopify
from orchestration.defs.shopify.sensors import build_early_landing_sensor
from orchestration.defs.shopify_pixel import definitions as shopify_pixel
from orchestration.jobs import INGEST_JOB_NAME, WAREHOUSE_JOB_NAME, build_job
from orchestration.lib.loggers import RUN_LOGGERS
from orchestration.lib.resources import shared_resources
from orchestration.schedules import build_schedules
from orchestration.sensors import build_sentry_failure_sensor
from warehouse.raw_tables import SHOPIFY_ORDERS

BuildDefs = Callable[[Settings], Definitions]

# Dagster passes `owners` itself when it binds the resources of a sensor's op job (the Shopify
# erasure's), then flags its own call as beta wherever the code location loads.
warnings.filterwarnings(
    "ignore",
    message="Parameter `owners` of initializer `SensorDefinition.__init__`",
    category=BetaWarning,
)

# Sources landed per 15-minute window: the ingest job runs every one of their assets.
LANDING: tuple[BuildDefs, ...] = (
    meta_ads.build_defs,
    google_ads.build_defs,
    shopify.build_defs,
    shopify_pixel.build_defs,
)
# What the models are built from and the models themselves: the warehouse job, per day.
WAREHOUSE: tuple[BuildDefs, ...] = (app_database.build_defs, dbt.build_defs)
# Jobs of their own, outside the data's path (launched from the UI).
OPERATIONS: tuple[BuildDefs, ...] = (clerk.build_defs,)

__all__ = ["INGEST_JOB_NAME", "WAREHOUSE_JOB_NAME", "build_definitions", "build_resources", "defs"]


def build_definitions(settings: Settings) -> Definitions:
    landing = [build(settings) for build in LANDING]
    warehouse = [build(settings) for build in WAREHOUSE]
    operations = [build(settings) for build in OPERATIONS]
    ingest_job = build_job(INGEST_JOB_NAME, _assets_of(landing))
    warehouse_job = build_job(WAREHOUSE_JOB_NAME, _assets_of(warehouse))
    sensors = [
        build_reconnect_backfill_sensor(ingest_job, _landing_assets_by_group(landing)),
        build_early_landing_sensor(ingest_job, AssetKey(["raw", SHOPIFY_ORDERS.name])),
    ]
    if settings.sentry_dsn:
        sensors.append(build_sentry_failure_sensor(settings.sentry_dsn))
    spanning = Definitions(
        jobs=[ingest_job, warehouse_job],
        schedules=build_schedules(ingest_job, warehouse_job),
        sensors=sensors,
        resources=shared_resources(settings),
        loggers=RUN_LOGGERS,
    )
    return Definitions.merge(*landing, *warehouse, *operations, spanning)


def build_resources(settings: Settings) -> dict[str, object]:
    """Every resource of the code location, for materializing its assets outside a job."""
    return dict(build_definitions(settings).resources or {})


@definitions
def defs() -> Definitions:
    """The code location from the environment's settings, built when Dagster loads it."""
    return build_definitions(get_settings())


def _landing_assets_by_group(integrations: Sequence[Definitions]) -> dict[str, list[AssetKey]]:
    """Landing asset keys by their group, which is the provider they land (`meta_ads`,
    `google_ads`, `shopify`: the connections' `provider`)."""
    by_group: dict[str, list[AssetKey]] = {}
    for asset in _assets_of(integrations):
        for key, group in asset.group_names_by_key.items():
            by_group.setdefault(group, []).append(key)
    return by_group


def _assets_of(integrations: Sequence[Definitions]) -> list[AssetsDefinition]:
    return [
        asset
        for integration in integrations
        for asset in integration.assets or []
        if isinstance(asset, AssetsDefinition)
    ]
