"""What the app database brings to the code location: the workspace settings the models read.
It uses only the resources every integration shares."""

from __future__ import annotations

from dagster import Definitions

from metricx.settings import Settings
from orchestration.defs.app_database.assets import app_workspaces


def build_defs(settings: Settings) -> Definitions:
    return Definitions(assets=[app_workspaces])
