"""The demo merchants of a world: who they are on every platform (Meta, Google Ads, Shopify,
Clerk), with the ids and credentials each platform knows them by."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

# Whole-hour UTC offsets only: delivery is defined per UTC hour, so every UTC hour must map to
# exactly one local hour for account-local days to be sums of whole hours.
_TIMEZONES = (
    "America/New_York",
    "Europe/Berlin",
    "America/Los_Angeles",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Tokyo",
    "America/Chicago",
    "America/Sao_Paulo",
)
_SHOP_NAMES = (
    "Northwind Outfitters",
    "Blauberg Kaffee",
    "Pacific Trail Supply",
    "Hartley & Finch",
    "Harbour Candle Co.",
    "Sakura Stationery",
    "Prairie Goods",
    "Verde Swimwear",
)
# Every third merchant runs Google Ads through an agency's manager (MCC) account: the merchant's
# Google user reaches only the manager, and its ad account only through it.
MANAGED_GOOGLE_EVERY = 3
_AGENCY_NAMES = ("Brightline Digital", "Keystone Performance", "Lumen Search Partners")


@dataclass(frozen=True)
class Merchant:
    slug: str
    name: str
    currency: str
    timezone: str
    meta_account_id: str
    meta_access_token: str
    meta_user_id: str  # the app-scoped id Graph's /me answers for the merchant's Facebook user
    clerk_user_id: str
    clerk_session_id: str
    email: str
    google_customer_id: str  # 10 digits, as Google Ads shows it without dashes
    google_refresh_token: str
    # The agency's manager account the ad account is a client of, when it has one.
    google_manager_customer_id: str | None
    google_manager_name: str | None
    shop_domain: str  # "<handle>.myshopify.com"
    shopify_access_token: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def make_merchant(seed: int, n: int) -> Merchant:
    """The world's `n`th merchant (from 1), the same for the same seed."""
    slug = f"demo-{n}"
    token_digest = _digest("meta-token", seed, slug)
    managed = n % MANAGED_GOOGLE_EVERY == 0
    return Merchant(
        slug=slug,
        name=_SHOP_NAMES[(n - 1) % len(_SHOP_NAMES)],
        currency="USD" if n % 2 else "EUR",
        timezone=_TIMEZONES[(n - 1) % len(_TIMEZONES)],
        meta_account_id=str(1_000_000_000 + n),
        # Meta user tokens start with "EAA"; the rest only has to be opaque and stable.
        meta_access_token=f"EAASim{token_digest[:48]}",
        meta_user_id=str(10_000_000_000_000 + n),
        clerk_user_id=f"user_demo_{n}",
        clerk_session_id=f"sess_demo_{n}",
        email=f"owner@{slug}.example.com",
        google_customer_id=str(5_000_000_000 + n),
        google_refresh_token=f"1//sim-{_digest('google-refresh', seed, slug)[:40]}",
        google_manager_customer_id=str(6_000_000_000 + n) if managed else None,
        google_manager_name=(
            _AGENCY_NAMES[(n // MANAGED_GOOGLE_EVERY - 1) % len(_AGENCY_NAMES)] if managed else None
        ),
        shop_domain=f"{slug}.myshopify.com",
        # Shopify Admin API access tokens start with "shpat_".
        shopify_access_token=f"shpat_{_digest('shopify-token', seed, slug)[:32]}",
    )


def _digest(purpose: str, seed: int, slug: str) -> str:
    return hashlib.sha256(f"{purpose}|{seed}|{slug}".encode()).hexdigest()
