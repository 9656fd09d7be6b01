"""One seeded, deterministic world of demo merchants, and every platform's view of them.

The world holds the merchants and the clock; each platform's model (Meta's delivery, Google
Ads', the shops') reads them. Nothing is stored: every number is a pure function of the seed
and the moment, so any date range, years back, can be asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from simulator.merchants import Merchant, make_merchant
from simulator.meta_ads.world import MetaAdsWorld


class _Platform(Protocol):
    def __init__(self, world: World) -> None: ...


_P = TypeVar("_P", bound=_Platform)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class World:
    def __init__(
        self,
        seed: int = 7,
        merchants: int = 2,
        ads_per_merchant: int = 6,
        orders_per_day: int = 40,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if merchants < 1 or ads_per_merchant < 1:
            raise ValueError("a world needs at least one merchant with at least one ad")
        self.seed = seed
        self.ads_per_merchant = ads_per_merchant
        self.orders_per_day = orders_per_day
        self.clock = clock or _utc_now
        self.merchants = [make_merchant(seed, n) for n in range(1, merchants + 1)]
        self._by_session = {m.clerk_session_id: m for m in self.merchants}
        self.meta = MetaAdsWorld(seed, self.merchants, ads_per_merchant, self.now)
        # Every fault armed so far is Meta's: they stay at `world.faults`, where tests arm them.
        self.faults = self.meta.faults
        self._platforms: dict[type, object] = {}
        # Re-entrant: a platform made on first use may ask for the platforms it reads.
        self._platforms_lock = threading.RLock()

    def now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the world's clock must return tz-aware datetimes")
        return now.astimezone(UTC)

    def platform(self, kind: type[_P]) -> _P:
        """The world's `kind` (Google Ads, the shops, the Shopify Admin API), made on first use
        and kept here, so routes and tests share its state and knobs for as long as the world
        lives."""
        with self._platforms_lock:
            platform = self._platforms.get(kind)
            if platform is None:
                platform = self._platforms[kind] = kind(self)
            return platform  # type: ignore[return-value]  # keyed by its own type

    def merchant_by_session_id(self, session_id: str) -> Merchant | None:
        """The merchant signed in to the Clerk session."""
        return self._by_session.get(session_id)
