"""Clerk's fault knobs: its JWKS endpoint made slow or failing, as an identity-provider outage
looks from the API. Tests arm them on `world.platform(ClerkFaults)`; thread-safe."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.world import World


class ClerkFaults:
    def __init__(self, world: World) -> None:
        self._lock = threading.Lock()
        self._jwks_delay_seconds = 0.0
        self._jwks_status: int | None = None
        self.jwks_requests = 0

    def slow_jwks(self, seconds: float) -> None:
        """Each JWKS request waits `seconds` before it is answered."""
        with self._lock:
            self._jwks_delay_seconds = seconds

    def fail_jwks(self, status: int | None) -> None:
        """JWKS requests answer `status` (None: the keys again)."""
        with self._lock:
            self._jwks_status = status

    def clear(self) -> None:
        with self._lock:
            self._jwks_delay_seconds = 0.0
            self._jwks_status = None

    def take_jwks_request(self) -> tuple[float, int | None]:
        """Count a JWKS request; its delay, and the status to fail it with if any."""
        with self._lock:
            self.jwks_requests += 1
            return self._jwks_delay_seconds, self._jwks_status
