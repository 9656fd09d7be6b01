"""Campaigns, ad sets and ads from the simulator, paged, matching the world's objects."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from orchestration.connectors.meta_ads import EntityLevel, MetaEntity
from orchestration.connectors.meta_ads.entities import parse_entity
from orchestration.connectors.quarantine import MalformedRow
from simulator.merchants import Merchant
from simulator.meta_ads.faults import MetaEndpoint, MetaFault
from simulator.server import SimulatorServer
from simulator.world import World
from tests.connectors.meta_ads_support import API_VERSION, NOW, make_client, only_records


@pytest.fixture(scope="module")
def world() -> World:
    return World(merchants=2, ads_per_merchant=9, clock=lambda: NOW)


@pytest.fixture(autouse=True)
def no_leftover_faults(world: World) -> Iterator[None]:
    yield
    world.faults.clear()


@pytest.fixture
def merchant(world: World) -> Merchant:
    return world.merchants[1]


def entities(items: Iterator[MetaEntity | MalformedRow]) -> list[MetaEntity]:
    parsed = list(items)
    records = [item for item in parsed if isinstance(item, MetaEntity)]
    assert len(records) == len(parsed)
    return records


def test_campaigns_ad_sets_and_ads_page_through_to_the_worlds_objects(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    account_id = merchant.meta_account_id
    world.faults.fail_meta(2, MetaFault.SERVER_ERROR, endpoint=MetaEndpoint.ENTITIES)
    with make_client(server, merchant, page_size=2) as client:
        campaigns = entities(client.iter_campaigns(account_id))
        adsets = entities(client.iter_adsets(account_id))
        ads = entities(client.iter_ads(account_id))
    assert client.usage.pages == 1 + 2 + 5  # 2 campaigns, 4 ad sets, 9 ads, 2 a page
    assert client.usage.retries == 2

    assert [
        (c.entity_id, c.name, c.campaign_id, c.adset_id, c.daily_budget_minor, c.created_time)
        for c in campaigns
    ] == [
        (c.campaign_id, c.name, c.campaign_id, None, c.daily_budget_cents, c.created_time)
        for c in world.meta.campaigns(account_id)
    ]
    assert [
        (s.entity_id, s.name, s.campaign_id, s.adset_id, s.daily_budget_minor, s.created_time)
        for s in adsets
    ] == [
        (s.adset_id, s.name, s.campaign_id, s.adset_id, s.daily_budget_cents, s.created_time)
        for s in world.meta.adsets(account_id)
    ]
    assert [(a.entity_id, a.name, a.campaign_id, a.adset_id, a.created_time) for a in ads] == [
        (a.ad_id, a.ad_name, a.campaign_id, a.adset_id, a.created_time)
        for a in world.meta.ads(account_id)
    ]
    everything = campaigns + adsets + ads
    assert {e.level for e in everything} == set(EntityLevel)
    assert {(e.status, e.effective_status, e.account_id) for e in everything} == {
        ("ACTIVE", "ACTIVE", account_id)
    }
    assert all(e.lifetime_budget_minor is None for e in everything)
    # The budget sits on the campaign or on its ad sets, never on both.
    budgeted_campaigns = {c.entity_id for c in campaigns if c.daily_budget_minor}
    assert budgeted_campaigns
    for adset in adsets:
        assert (adset.daily_budget_minor is None) == (adset.campaign_id in budgeted_campaigns)


def test_a_deleted_ad_is_listed_deleted_and_keeps_its_insights(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    """Meta leaves deleted ads out of listings and ad-level insights unless asked for them, yet
    what they spent stays in the account's totals and invoices: the client asks for every
    status, so the ad stays, marked DELETED, with its figures."""
    account_id = merchant.meta_account_id
    deleted = world.meta.ads(account_id)[2]
    day = (NOW - timedelta(hours=2)).astimezone(merchant.tz).date()
    world.meta.delete_ad(deleted.ad_id, NOW - timedelta(minutes=30))
    try:
        with make_client(server, merchant) as client:
            ads = {ad.entity_id: ad for ad in entities(client.iter_ads(account_id))}
            insights = only_records(client.iter_hourly_insights(account_id, day, day))
        plain = httpx.get(
            f"{server.base_url}/meta/{API_VERSION}/act_{account_id}/ads",
            params={"access_token": merchant.meta_access_token, "fields": "id,effective_status"},
        ).json()["data"]
    finally:
        world.meta.clear_deletions()
    assert (ads[deleted.ad_id].status, ads[deleted.ad_id].effective_status) == (
        "DELETED",
        "DELETED",
    )
    assert ads[deleted.ad_id].updated_time == NOW - timedelta(minutes=30)
    assert {row.ad_id for row in insights} == {ad.ad_id for ad in world.meta.ads(account_id)}
    assert deleted.ad_id not in {row["id"] for row in plain}
    assert len(plain) == len(ads) - 1


def test_new_fields_on_objects_are_ignored(
    server: SimulatorServer, world: World, merchant: Merchant
) -> None:
    with make_client(server, merchant) as client:
        before = entities(client.iter_ads(merchant.meta_account_id))
        world.faults.add_unknown_meta_fields()
        assert entities(client.iter_ads(merchant.meta_account_id)) == before


def test_objects_that_do_not_parse_are_quarantined_with_the_reason() -> None:
    row = {
        "id": "7",
        "account_id": "1",
        "name": "Spring sale",
        "status": "ACTIVE",
        "effective_status": "ACTIVE",
        "daily_budget": "1500",
        "lifetime_budget": "0",
        "created_time": "2026-03-01T10:00:00+0100",
        "updated_time": "2026-03-02T10:00:00+0000",
    }
    campaign = parse_entity(row, EntityLevel.CAMPAIGN)
    assert isinstance(campaign, MetaEntity)
    assert (campaign.daily_budget_minor, campaign.lifetime_budget_minor) == (1500, None)
    assert campaign.created_time.isoformat() == "2026-03-01T09:00:00+00:00"
    bad_budget = parse_entity({**row, "daily_budget": "15.00"}, EntityLevel.CAMPAIGN)
    assert isinstance(bad_budget, MalformedRow)
    assert (
        bad_budget.reason == "campaign: daily_budget: Input should be a valid integer, got '15.00'"
    )
    orphan = parse_entity(row, EntityLevel.AD)
    assert isinstance(orphan, MalformedRow)
    assert orphan.reason == "ad: campaign_id: missing; adset_id: missing"
