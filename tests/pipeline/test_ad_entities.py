"""The merchant's campaigns, ad groups and ads in dim_ad_entities, on DuckDB and PostgreSQL: both
platforms' entities with the names and statuses the simulator holds, and a pause made on Google
showing as PAUSED after the next landing and build."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from orchestration.defs.google_ads.resources import GoogleAdsApiResource
from orchestration.defs.google_ads.sync import sync_entities
from orchestration.lib.resources import AppDatabaseResource
from orchestration.lib.windows import WINDOW, Window
from simulator.google_ads.world import EntityStatus, GoogleAdsWorld
from tests.helpers import NOW, RUN_RANGE, DbtRunner, read_warehouse
from tests.pipeline.conftest import PipelineRun
from warehouse.appdb.models import Provider
from warehouse.connection import open_warehouse

NORMALIZED = {"ENABLED": "active", "ACTIVE": "active", "PAUSED": "paused", "REMOVED": "removed"}
COLUMNS = (
    "workspace_id, platform, connection_id, account_id, entity_level, entity_id, entity_name,"
    " campaign_id, ad_group_id, status, normalized_status"
)
# The window after the run's last: the next landing.
NEXT_WINDOW = Window(RUN_RANGE.end, RUN_RANGE.end + WINDOW)


def google_truth(run: PipelineRun) -> set[tuple[Any, ...]]:
    """Every Google campaign, ad group and ad of the demo merchants as the simulator holds them
    now: (workspace, level, id, name, campaign, ad group, status)."""
    google = GoogleAdsWorld.of(run.world)
    truth: set[tuple[Any, ...]] = set()
    for merchant in run.world.merchants:
        workspace_id = run.workspace_ids[merchant.slug]
        customer_id = merchant.google_customer_id
        for campaign in google.campaigns(customer_id):
            truth.add(
                (
                    workspace_id,
                    "campaign",
                    campaign.campaign_id,
                    campaign.campaign_name,
                    campaign.campaign_id,
                    None,
                    google.status(campaign.campaign_id).value,
                )
            )
        for group in google.ad_groups(customer_id):
            truth.add(
                (
                    workspace_id,
                    "ad_group",
                    group.ad_group_id,
                    group.ad_group_name,
                    group.campaign_id,
                    group.ad_group_id,
                    google.status(group.ad_group_id).value,
                )
            )
        for ad in google.ads(customer_id):
            truth.add(
                (
                    workspace_id,
                    "ad",
                    ad.ad_id,
                    ad.ad_name,
                    ad.campaign_id,
                    ad.ad_group_id,
                    google.status(ad.ad_id).value,
                )
            )
    return truth


def google_entities(warehouse_url: str) -> list[dict[str, Any]]:
    return read_warehouse(
        warehouse_url,
        f"SELECT {COLUMNS} FROM marts.dim_ad_entities WHERE platform = 'google_ads'",
    )


def as_truth(rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {
        (
            row["workspace_id"],
            row["entity_level"],
            row["entity_id"],
            row["entity_name"],
            row["campaign_id"],
            row["ad_group_id"],
            row["status"],
        )
        for row in rows
    }


def test_google_campaigns_ad_groups_and_ads_have_the_simulators_names_and_statuses(
    pipeline_run: PipelineRun,
) -> None:
    assert pipeline_run.succeeded
    rows = google_entities(pipeline_run.settings.warehouse_url)
    assert len(rows) == len(as_truth(rows))
    assert as_truth(rows) == google_truth(pipeline_run)
    assert {row["status"] for row in rows} == {"ENABLED", "PAUSED", "REMOVED"}
    for row in rows:
        assert row["normalized_status"] == NORMALIZED[row["status"]]
        assert row["account_id"] == next(
            m.google_customer_id
            for m in pipeline_run.world.merchants
            if pipeline_run.workspace_ids[m.slug] == row["workspace_id"]
        )
    # The ads sit under their ad groups, which hold the metrics: every ad group the reporting
    # marts name has its two ads here.
    reported = pipeline_run.read(
        "SELECT DISTINCT ad_group_id FROM marts.fct_ad_reporting_daily"
        " WHERE platform = 'google_ads'"
    )
    ads_per_group: dict[str, int] = {}
    for row in rows:
        if row["entity_level"] == "ad":
            ads_per_group[row["ad_group_id"]] = ads_per_group.get(row["ad_group_id"], 0) + 1
    assert reported
    assert all(ads_per_group[row["ad_group_id"]] == 2 for row in reported)


def test_meta_statuses_share_the_normalized_vocabulary(pipeline_run: PipelineRun) -> None:
    rows = pipeline_run.read(
        "SELECT DISTINCT status, normalized_status FROM marts.dim_ad_entities"
        " WHERE platform = 'meta_ads'"
    )
    assert rows == [{"status": "ACTIVE", "normalized_status": "active"}]


@pytest.fixture
def paused(pipeline_run: PipelineRun, warehouse_copy: str, tmp_path: Path) -> Iterator[dict]:
    """On a copy of the session's warehouse: a campaign, an ad group of another campaign and an
    ad are paused in Google Ads a minute before now; the next window's entities landing runs
    through the connector and dim_ad_entities is built again, as the next schedule tick does."""
    run = pipeline_run
    google = GoogleAdsWorld.of(run.world)
    berlin = run.world.merchants[1]
    customer_id = berlin.google_customer_id
    campaign = google.campaigns(customer_id)[0]
    group = next(g for g in google.ad_groups(customer_id) if g.campaign_id != campaign.campaign_id)
    ad = next(
        a
        for a in google.ads(customer_id)
        if a.ad_group_id == group.ad_group_id and google.status(a.ad_id) is EntityStatus.ENABLED
    )
    changed = {campaign.campaign_id, group.ad_group_id, ad.ad_id}
    before = {row["entity_id"]: row for row in google_entities(warehouse_copy)}
    settings = run.settings
    app_database = AppDatabaseResource(
        url=settings.app_database_url, secret_key=settings.secret_key
    )
    (target,) = [
        target
        for target in app_database.sync_targets(Provider.GOOGLE_ADS)
        if target.workspace_id == run.workspace_ids[berlin.slug]
    ]
    api = GoogleAdsApiResource(
        base_url=settings.google_ads_api_base_url,
        api_version=settings.google_ads_api_version,
        developer_token=settings.google_ads_developer_token,
        oauth_token_url=settings.google_oauth_token_url,
        oauth_client_id=settings.google_oauth_client_id,
        oauth_client_secret=settings.google_oauth_client_secret,
    )
    for entity_id in changed:
        google.set_status(entity_id, EntityStatus.PAUSED, NOW - timedelta(minutes=1))
    try:
        warehouse = open_warehouse(warehouse_copy)
        try:
            with api.client(target) as client:
                outcome = sync_entities(target, client, [NEXT_WINDOW], warehouse)
        finally:
            warehouse.close()
        assert (outcome.error, outcome.quarantined) == (None, 0)
        truth = google_truth(run)
    finally:
        google.clear_status_changes()
    DbtRunner(warehouse_copy, tmp_path, {})(
        "run", "--select", "stg_google_ads__entities", "dim_ad_entities"
    )
    yield {
        "changed": changed,
        "before": before,
        "after": {row["entity_id"]: row for row in google_entities(warehouse_copy)},
        "truth": truth,
    }


def test_a_pause_on_google_shows_as_paused_after_the_next_landing(paused: dict) -> None:
    before, after = paused["before"], paused["after"]
    for entity_id in paused["changed"]:
        assert before[entity_id]["status"] == "ENABLED"
        assert (after[entity_id]["status"], after[entity_id]["normalized_status"]) == (
            "PAUSED",
            "paused",
        )
    # Nothing else changed: the other entities keep their rows, and the whole dimension is what
    # the simulator holds now.
    assert set(after) == set(before)
    for entity_id in set(before) - paused["changed"]:
        assert after[entity_id] == before[entity_id]
    assert as_truth(list(after.values())) == paused["truth"]
