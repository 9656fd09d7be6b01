"""Google Ads campaigns, ad groups and ads through the connector, against the simulator over real
HTTP, and one connection's entities sync into a real warehouse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from orchestration.connectors.google_ads import EntityLevel, GoogleAdsEntity
from orchestration.connectors.google_ads.entities import parse_entity
from orchestration.connectors.quarantine import MalformedRow
from orchestration.defs.google_ads.sync import sync_entities
from orchestration.lib.resources import SyncTarget
from orchestration.lib.windows import windows_between
from simulator.google_ads.world import EntityStatus, GoogleAdsWorld
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from simulator.world import World
from tests.connectors.google_ads_support import NOW, Clock, connect
from warehouse.connection import Warehouse, open_warehouse


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def world(clock: Clock) -> World:
    return World(clock=clock)


@pytest.fixture(scope="module")
def google(world: World) -> GoogleAdsWorld:
    return GoogleAdsWorld.of(world)


@pytest.fixture(autouse=True)
def fresh_knobs(google: GoogleAdsWorld, clock: Clock) -> Iterator[None]:
    yield
    google.faults.clear()
    google.clear_status_changes()
    google.stream_batch_size = 10_000
    clock.now = NOW


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    landing = open_warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    landing.ensure_raw_schema()
    yield landing
    landing.close()


def world_entities(google: GoogleAdsWorld, customer_id: str) -> set[GoogleAdsEntity]:
    """Every campaign, ad group and ad of the customer as the world has them now."""
    return (
        {
            GoogleAdsEntity(
                EntityLevel.CAMPAIGN,
                customer_id,
                campaign.campaign_id,
                campaign.campaign_name,
                campaign.campaign_id,
                None,
                google.status(campaign.campaign_id).value,
            )
            for campaign in google.campaigns(customer_id)
        }
        | {
            GoogleAdsEntity(
                EntityLevel.AD_GROUP,
                customer_id,
                group.ad_group_id,
                group.ad_group_name,
                group.campaign_id,
                group.ad_group_id,
                google.status(group.ad_group_id).value,
            )
            for group in google.ad_groups(customer_id)
        }
        | {
            GoogleAdsEntity(
                EntityLevel.AD,
                customer_id,
                ad.ad_id,
                ad.ad_name,
                ad.campaign_id,
                ad.ad_group_id,
                google.status(ad.ad_id).value,
            )
            for ad in google.ads(customer_id)
        }
    )


def listed(server: SimulatorServer, merchant: Merchant) -> list[GoogleAdsEntity | MalformedRow]:
    with connect(server, merchant).client as client:
        return [
            item
            for level in EntityLevel
            for item in client.iter_entities(merchant.google_customer_id, level)
        ]


def target(merchant: Merchant) -> SyncTarget:
    return SyncTarget(
        connection_id=f"conn-{merchant.slug}",
        workspace_id=f"ws-{merchant.slug}",
        external_account_id=merchant.google_customer_id,
        display_name=merchant.name,
        decrypted_credentials={"refresh_token": merchant.google_refresh_token},
        settings={},
    )


def test_every_campaign_ad_group_and_ad_is_listed_with_its_name_and_status(
    server: SimulatorServer, world: World, google: GoogleAdsWorld
) -> None:
    for merchant in world.merchants:
        customer_id = merchant.google_customer_id
        entities = listed(server, merchant)
        assert not [item for item in entities if isinstance(item, MalformedRow)]
        assert set(entities) == world_entities(google, customer_id)
        assert len(entities) == len(set(entities))
        # Removed ads are listed too, as Google lists them unless the query filters them out.
        statuses = {entity.status for entity in entities if isinstance(entity, GoogleAdsEntity)}
        assert statuses == {"ENABLED", "PAUSED", "REMOVED"}
        # Every ad group holds its ads.
        ads_per_group = {
            group.ad_group_id: {
                entity.entity_id
                for entity in entities
                if isinstance(entity, GoogleAdsEntity)
                and entity.level is EntityLevel.AD
                and entity.ad_group_id == group.ad_group_id
            }
            for group in google.ad_groups(customer_id)
        }
        assert all(len(ads) == 2 for ads in ads_per_group.values())


def test_a_pause_shows_from_the_moment_it_was_made(
    server: SimulatorServer, world: World, google: GoogleAdsWorld, clock: Clock
) -> None:
    merchant = world.merchants[1]
    campaign = google.campaigns(merchant.google_customer_id)[0]
    google.set_status(campaign.campaign_id, EntityStatus.PAUSED, NOW + timedelta(minutes=10))

    def status_listed() -> str:
        (found,) = [
            item
            for item in listed(server, merchant)
            if isinstance(item, GoogleAdsEntity) and item.entity_id == campaign.campaign_id
        ]
        return found.status

    assert status_listed() == "ENABLED"
    clock.now = NOW + timedelta(minutes=10)
    assert status_listed() == "PAUSED"


def test_rows_without_an_id_are_quarantined_and_the_listing_goes_on(
    server: SimulatorServer, world: World, google: GoogleAdsWorld
) -> None:
    merchant = world.merchants[0]
    google.faults.drop_object_ids(1)
    with connect(server, merchant).client as client:
        ads = list(client.iter_entities(merchant.google_customer_id, EntityLevel.AD))
    bad = [item for item in ads if isinstance(item, MalformedRow)]
    assert len(bad) == 1 and len(ads) == len(google.ads(merchant.google_customer_id))
    assert bad[0].reason == "ad: adGroupAd.ad.id: missing"
    assert json.loads(bad[0].payload)["adGroupAd"]["status"] == "ENABLED"


def test_entities_land_once_in_the_last_window_and_a_rerun_replaces_them(
    server: SimulatorServer, world: World, google: GoogleAdsWorld, warehouse: Warehouse
) -> None:
    merchant = world.merchants[1]
    customer_id = merchant.google_customer_id
    windows = list(windows_between(NOW - timedelta(hours=1), NOW - timedelta(minutes=15)))
    truth = world_entities(google, customer_id)

    def sync() -> tuple[int, int, int]:
        with connect(server, merchant).client as client:
            outcome = sync_entities(target(merchant), client, windows, warehouse)
        assert outcome.error is None
        return outcome.rows, outcome.quarantined, outcome.slices

    assert sync() == (len(truth), 0, 1)
    google.faults.drop_object_ids(2)
    assert sync() == (len(truth) - 2, 2, 1)
    landed = warehouse.fetch_all(
        "SELECT window_start, customer_id, entity_level, entity_id, entity_name, campaign_id,"
        " ad_group_id, status FROM raw.google_ads_entities"
    )
    # The re-run replaced the slice: no row twice, the two without an id quarantined beside it.
    assert {row["window_start"] for row in landed} == {windows[-1].start}
    assert len(landed) == len(truth) - 2
    assert {
        GoogleAdsEntity(
            EntityLevel(row["entity_level"]),
            row["customer_id"],
            row["entity_id"],
            row["entity_name"],
            row["campaign_id"],
            row["ad_group_id"],
            row["status"],
        )
        for row in landed
    } < truth
    quarantined = warehouse.fetch_all(
        "SELECT window_start, reason FROM raw.quarantine WHERE source_table = 'google_ads_entities'"
    )
    assert [row["window_start"] for row in quarantined] == [windows[-1].start] * 2
    assert {row["reason"] for row in quarantined} == {"campaign: campaign.id: missing"}
    (logged,) = warehouse.fetch_all(
        "SELECT window_start, row_count, quarantined_count FROM raw.landing_log"
        " WHERE source_table = 'google_ads_entities'"
    )
    assert logged == {
        "window_start": windows[-1].start,
        "row_count": len(truth) - 2,
        "quarantined_count": 2,
    }


def test_ads_without_a_name_land_with_a_null_name() -> None:
    # Google names only some ad types; proto3 JSON leaves a responsive search ad's empty name out.
    row = {
        "campaign": {"id": "1"},
        "adGroup": {"id": "2"},
        "adGroupAd": {"status": "PAUSED", "ad": {"id": "3"}},
    }
    assert parse_entity(row, EntityLevel.AD, "5000000001") == GoogleAdsEntity(
        EntityLevel.AD, "5000000001", "3", None, "1", "2", "PAUSED"
    )
    # A campaign and an ad group always have a name: without one, the row is malformed.
    unnamed = {"campaign": {"id": "1", "status": "ENABLED"}}
    campaign = parse_entity(unnamed, EntityLevel.CAMPAIGN, "5000000001")
    assert isinstance(campaign, MalformedRow)
    assert campaign.reason == "campaign: campaign.name: missing"
