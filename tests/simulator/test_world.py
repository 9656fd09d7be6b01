from __future__ import annotations

import threading

from simulator.google_ads.world import GoogleAdsWorld
from simulator.shopify.api import ShopifyApi
from simulator.shopify.world import ShopWorld
from simulator.world import World


def test_merchants_are_distinct_and_found_by_their_ids() -> None:
    world = World(merchants=3)
    first, second, third = world.merchants
    assert (first.slug, first.currency, first.timezone) == ("demo-1", "USD", "America/New_York")
    assert (second.slug, second.currency, second.timezone) == ("demo-2", "EUR", "Europe/Berlin")
    assert third.currency == "USD"
    assert third.timezone not in {first.timezone, second.timezone}
    assert first.meta_account_id.isdigit()
    assert (first.clerk_user_id, first.clerk_session_id) == ("user_demo_1", "sess_demo_1")
    assert len({m.meta_access_token for m in world.merchants}) == 3
    for merchant in world.merchants:
        assert world.meta.merchant_by_account_id(merchant.meta_account_id) is merchant
        assert world.merchant_by_session_id(merchant.clerk_session_id) is merchant
        assert world.meta.merchant_by_token(merchant.meta_access_token) is merchant
    assert world.meta.merchant_by_account_id("42") is None


def test_each_platform_is_made_once_per_world_even_when_asked_for_concurrently() -> None:
    world, other = World(), World()
    made: list[ShopifyApi] = []
    threads = [threading.Thread(target=lambda: made.append(ShopifyApi.of(world))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(api is made[0] for api in made)
    # The Admin API reads the shops, which read Google Ads: each is the world's one instance.
    assert made[0].shops is ShopWorld.of(world)
    assert GoogleAdsWorld.of(world) is GoogleAdsWorld.of(world)
    assert GoogleAdsWorld.of(other) is not GoogleAdsWorld.of(world)
