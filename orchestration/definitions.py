"""The metricx code location: `workspace.yaml` and `dagster dev -m orchestration.definitions`."""

from __future__ import annotations

from dagster import (
    AssetSelection,
    Definitions,
    build_schedule_from_partitioned_job,
    define_asset_job,
)
from dagster_dbt import DbtCliResource

from metricx.settings import Settings, get_settings
from orchestration.defs.dbt.assets import metricx_dbt_models
from orchestration.defs.dbt.project import DBT_EXECUTABLE, dbt_project
from orchestration.defs.google_ads.assets import google_ads_ad_group_hourly
from orchestration.defs.google_ads.resources import GoogleAdsApiResource
from orchestration.defs.meta_ads.assets import meta_ads_entities, meta_ads_insights_hourly
from orchestration.defs.meta_ads.resources import MetaAdsApiResource
from orchestration.defs.shopify.assets import shopify_orders
from orchestration.defs.shopify.resources import ShopifyAdminApiResource
from orchestration.lib.resources import AppDatabaseResource, WarehouseResource

PIPELINE_JOB_NAME = "metricx_pipeline"

pipeline_job = define_asset_job(
    PIPELINE_JOB_NAME,
    selection=AssetSelection.assets(
        meta_ads_insights_hourly,
        meta_ads_entities,
        google_ads_ad_group_hourly,
        shopify_orders,
        metricx_dbt_models,
    ),
    description="Ingest every source for the window, then build the warehouse models for it.",
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
    return Definitions(
        assets=[
            meta_ads_insights_hourly,
            meta_ads_entities,
            google_ads_ad_group_hourly,
            shopify_orders,
            metricx_dbt_models,
        ],
        jobs=[pipeline_job],
        schedules=[build_schedule_from_partitioned_job(pipeline_job)],
        resources=build_resources(settings),
    )


defs = build_definitions(get_settings())
