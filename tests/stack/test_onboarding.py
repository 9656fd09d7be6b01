"""`make demo` onboards its merchants through the OAuth flows: every merchant ends with its three
connections, active, holding credentials the simulated platforms accept, and a pixel key its
shop's web pixel was registered with; onboarding again renews them instead of doubling them."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from simulator.google_ads.world import GoogleAdsWorld
from simulator.server import SimulatorServer
from simulator.shopify.api import ShopifyApi
from simulator.world import World
from stack.onboarding import onboard_demo_merchants
from tests.helpers import make_settings
from warehouse.appdb.credentials import CredentialCipher
from warehouse.appdb.models import Connection
from warehouse.appdb.session import open_session


def test_the_demo_merchants_connect_through_oauth_and_again_without_doubles(
    tmp_path: Path,
) -> None:
    world = World(merchants=2)
    with SimulatorServer(world) as simulator:
        settings = make_settings(
            warehouse_url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
            app_database_url=f"sqlite:///{tmp_path / 'app.db'}",
            simulator_url=simulator.base_url,
        )
        first = onboard_demo_merchants(settings, world, simulator.base_url)
        again = onboard_demo_merchants(settings, world, simulator.base_url)

    assert first == again and set(first) == {m.slug for m in world.merchants}
    with open_session(settings.app_database_url) as session:
        connections = list(session.scalars(select(Connection)))
    cipher = CredentialCipher(settings.secret_key)
    shops = ShopifyApi.of(world)
    google = GoogleAdsWorld.of(world)
    for merchant in world.merchants:
        mine = {c.provider: c for c in connections if c.workspace_id == first[merchant.slug]}
        assert {p: (c.external_account_id, c.status) for p, c in mine.items()} == {
            "meta_ads": (merchant.meta_account_id, "active"),
            "google_ads": (merchant.google_customer_id, "active"),
            "shopify": (merchant.shop_domain, "active"),
        }
        meta_token = cipher.decrypt(mine["meta_ads"].credentials_encrypted)["access_token"]
        assert world.meta.merchant_by_token(meta_token) is merchant
        refresh = cipher.decrypt(mine["google_ads"].credentials_encrypted)["refresh_token"]
        assert google.merchant_by_refresh_token(refresh) is merchant
        shop_token = cipher.decrypt(mine["shopify"].credentials_encrypted)["access_token"]
        assert shops.installs.valid(merchant, shop_token)
        pixel = json.loads(shops.web_pixels[merchant.shop_domain])
        assert pixel == {"pixelKey": mine["shopify"].pixel_key}
    assert len(connections) == 3 * len(world.merchants)
