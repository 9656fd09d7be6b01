"""What Clerk brings to the code location: the user repair job and its Backend API resource."""

from __future__ import annotations

from dagster import Definitions

from metricx.settings import Settings
from orchestration.defs.clerk.jobs import clerk_repair
from orchestration.defs.clerk.resources import ClerkApiResource
from orchestration.lib.resources import from_environment


def build_defs(settings: Settings) -> Definitions:
    return Definitions(
        jobs=[clerk_repair],
        resources={
            "clerk_api": ClerkApiResource(
                api_url=settings.clerk_api_url,
                secret_key=from_environment(settings.clerk_secret_key, "METRICX_CLERK_SECRET_KEY"),
            )
        },
    )
