"""The metricx code location: `workspace.yaml` and `dagster dev -m orchestration.definitions`."""

from __future__ import annotations

import os

from dagster import AssetSelection, Definitions, EnvVar, define_asset_job

from metricx.settings import Settings, get_settings
from orchestration.defs.app_database import APP_DATABASE_ASSETS
from orchestration.defs.dbt.assets import build_dbt_assets
from orchestration.defs.dbt.definitions import build_defs as build_dbt_defs
from orchestration.defs.google_ads.resources import GoogleAdsApiResource
from orchestration.defs.landing import LANDING_ASSETS, LANDING_CHECKS
from orchestration.defs.meta_ads.assets import meta_ads_insights_hourly
from orchestration.defs.meta_ads.resources import MetaAdsApiResource
from orchestration.defs.shopify.resources import ShopifyAdminApiResource
from orchestration.lib.loggers import RUN_LOGGER_CONFIG, RUN_LOGGERS
from orchestration.lib.resources import AppDatabaseResource, WarehouseResource
from orchestration.partitions import daily_partitions, fifteen_minute_partitions
from orchestration.schedules import build_schedules
from orchestration.sensors import build_sentry_failure_sensor

INGEST_JOB_NAME = "ingest_windows"
WAREHOUSE_JOB_NAME = "build_warehouse"

ingest_job = define_asset_job(
    INGEST_JOB_NAME,
    selection=AssetSelection.assets(*LANDING_ASSETS),
    partitions_def=fifteen_minute_partitions(),
    config=RUN_LOGGER_CONFIG,
    description="Land every source's 15-minute windows for every active connection.",
)

warehouse_job = define_asset_job(
    WAREHOUSE_JOB_NAME,
    selection=AssetSelection.assets(*APP_DATABASE_ASSETS, *build_dbt_assets(daily_partitions())),
    partitions_def=daily_partitions(),
    config=RUN_LOGGER_CONFIG,
    description="Build the dbt models (staging → marts) for UTC days, from what has landed.",
)


def from_environment(value: str, variable: str) -> str | EnvVar:
    """`value` as a reference to `variable` when that is where it came from.

    Dagster resolves an `EnvVar` in the run's process and shows only the variable's name in the
    UI and in stored run config; a plain string would show the secret (credentials key, app
    tokens, passwords inside database URLs). Settings built in code (tests, benchmarks) keep
    their literal values.
    """
    return EnvVar(variable) if value and os.environ.get(variable) == value else value


def build_resources(settings: Settings) -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(
            url=from_environment(settings.warehouse_url, "METRICX_WAREHOUSE_URL")
        ),
        "app_database": AppDatabaseResource(
            url=from_environment(settings.app_database_url, "METRICX_APP_DATABASE_URL"),
            secret_key=from_environment(settings.secret_key, "METRICX_SECRET_KEY"),
        ),
        "meta_ads_api": MetaAdsApiResource(
            base_url=settings.meta_api_base_url, api_version=settings.meta_api_version
        ),
        "google_ads_api": GoogleAdsApiResource(
            base_url=settings.google_ads_api_base_url,
            api_version=settings.google_ads_api_version,
            developer_token=from_environment(
                settings.google_ads_developer_token, "METRICX_GOOGLE_ADS_DEVELOPER_TOKEN"
            ),
            oauth_token_url=settings.google_oauth_token_url,
            oauth_client_id=settings.google_oauth_client_id,
            oauth_client_secret=from_environment(
                settings.google_oauth_client_secret, "METRICX_GOOGLE_OAUTH_CLIENT_SECRET"
            ),
        ),
        "shopify_admin_api": ShopifyAdminApiResource(
            base_url_template=settings.shopify_admin_base_url,
            api_version=settings.shopify_api_version,
        ),
    }


def build_definitions(settings: Settings) -> Definitions:
    sensors = [build_sentry_failure_sensor(settings.sentry_dsn)] if settings.sentry_dsn else []
    core_defs = Definitions(
        assets=[*LANDING_ASSETS, *APP_DATABASE_ASSETS],
        asset_checks=LANDING_CHECKS,
        jobs=[ingest_job, warehouse_job],
        schedules=build_schedules(ingest_job, warehouse_job, meta_ads_insights_hourly.key),
        sensors=sensors,
        resources=build_resources(settings),
        loggers=RUN_LOGGERS,
    )
    return Definitions.merge(core_defs, build_dbt_defs(settings))


defs = build_definitions(get_settings())
