"""The code location as Dagster loads it, shared by the tests that read it."""

from __future__ import annotations

import pytest
from dagster import Definitions

from orchestration.definitions import defs as load_code_location


@pytest.fixture(scope="session")
def defs() -> Definitions:
    return load_code_location()
