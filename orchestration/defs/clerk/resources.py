"""How the repair reaches Clerk's Backend API: the real host in production, the simulator in the
demo and the tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dagster import ConfigurableResource

from warehouse.appdb.clerk_api import ClerkBackend


class ClerkApiResource(ConfigurableResource):
    api_url: str
    secret_key: str

    @contextmanager
    def client(self) -> Iterator[ClerkBackend]:
        clerk = ClerkBackend(self.api_url, self.secret_key)
        try:
            yield clerk
        finally:
            clerk.close()
