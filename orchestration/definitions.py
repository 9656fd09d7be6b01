"""The metricx code location: `workspace.yaml` and `dagster dev -m orchestration.definitions`."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job
from dagster_dbt import DbtCliResource

from metricx.settings import Settings, get_settings
from orchestration.defs.app_database import APP_DATABASE_ASSETS
from orchestration.defs.dbt.assets import metricx_dbt_models
from orchestration.defs.dbt.project import DBT_EXECUTABLE, dbt_project
from orchestration.defs.google_ads.resources import GoogleAdsApiResource
from orchestration.defs.landing import LANDING_ASSETS, LANDING_CHECKS
from orchestration.defs.meta_ads.assets import meta_ads_insights_hourly
from orchestration.defs.meta_ads.resources import MetaAdsApiResource
from orchestration.defs.shopify.resources import ShopifyAdminApiResource
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
    description="Land every source's 15-minute windows for every active connection.",
)

warehouse_job = define_asset_job(
    WAREHOUSE_JOB_NAME,
    selection=AssetSelection.assets(*APP_DATABASE_ASSETS, metricx_dbt_models),
    partitions_def=daily_partitions(),
    description="Build the dbt models (staging → marts) for UTC days, from what has landed.",
)


def build_resources(settings: Settings) -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(url=settings.warehouse_url),
        "app_database": AppDatabaseResource(
            url=settings.app_database_url, secret_key=settings.secret_key
        ),
        "meta_ads_api": MetaAdsApiResource(
            base_url=settings.meta_api_base_url, api_version=settings.meta_api_version
        ),
        "google_ads_api": GoogleAdsApiResource(
            base_url=settings.google_ads_api_base_url,
            api_version=settings.google_ads_api_version,
            developer_token=settings.google_ads_developer_token,
            oauth_token_url=settings.google_oauth_token_url,
            oauth_client_id=settings.google_oauth_client_id,
            oauth_client_secret=settings.google_oauth_client_secret,
        ),
        "shopify_admin_api": ShopifyAdminApiResource(
            base_url_template=settings.shopify_admin_base_url,
            api_version=settings.shopify_api_version,
        ),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }


def build_definitions(settings: Settings) -> Definitions:
    sensors = [build_sentry_failure_sensor(settings.sentry_dsn)] if settings.sentry_dsn else []
    return Definitions(
        assets=[*LANDING_ASSETS, *APP_DATABASE_ASSETS, metricx_dbt_models],
        asset_checks=LANDING_CHECKS,
        jobs=[ingest_job, warehouse_job],
        schedules=build_schedules(ingest_job, meta_ads_insights_hourly.key),
        sensors=sensors,
        resources=build_resources(settings),
    )


defs = build_definitions(get_settings())
