"""Each connector module builds the world its tests need (its own `world` fixture); this serves
that world on loopback, once per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.server import SimulatorServer
from simulator.world import World


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(world) as running:
        yield running
