"""The OpenAPI document is the truth: schemathesis calls every operation with generated requests,
as a member of the workspace, against the marts of a real pipeline run.

No response may be a server error, and each must be one the document declares (status code,
content type, body schema, headers). Generated requests include invalid ones (negative testing):
those must be refused with a documented 4xx. DuckDB only: the routes' SQL is the same on both
backends, and tests/pipeline/test_api_serves_the_marts.py reads the PostgreSQL run's marts.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings

from api.main import create_app
from tests.helpers import routes_only_app, with_app_database_copy
from tests.pipeline.conftest import PipelineRun

# Bounds the run to seconds per operation; the authorization matrix covers who may call, this
# what a call may carry.
EXAMPLES_PER_OPERATION = 100

# A schema-valid request may still be refused with the documented 422: a report period relates
# its parameters (`start` no later than `end`, at most 366 days apart; `from`/`to` only with
# range=custom), which no OpenAPI schema can say. Every other check still holds such answers to
# the document (problem+json, documented status).
# Query parameters the API does not know are ignored, as HTTP APIs do, not refused: requests
# that add some are not invalid ones. A schema-valid Clerk delivery is still refused with the
# documented 400 unless Clerk signed it, which no generated request is.
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"allow-extra-parameters": False},
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429"]
            }
        },
    }
)

# Read from the app at collection, so each operation is a test of its own.
schema = schemathesis.openapi.from_dict(routes_only_app().openapi(), config=CONFIG)


@pytest.fixture
def app(pipeline_run: PipelineRun, tmp_path: Path) -> FastAPI:
    # Schemathesis runs its lifespan, and ends it after each test. Generated requests rename
    # workspaces and set their timezones: on a copy of the app database, which the session's
    # other tests read.
    return create_app(with_app_database_copy(pipeline_run.settings, tmp_path))


@pytest.fixture
def member(pipeline_run: PipelineRun) -> tuple[str, dict[str, str]]:
    """The first merchant's workspace id, and the headers that make them its member."""
    merchant = pipeline_run.world.merchants[0]
    response = httpx.post(
        f"{pipeline_run.simulator_url}/clerk/v1/sessions/{merchant.clerk_session_id}/tokens",
        params={"expires_in_seconds": 600},
    )
    response.raise_for_status()
    headers = {"Authorization": f"Bearer {response.json()['jwt']}"}
    return pipeline_run.workspace_ids[merchant.slug], headers


@pytest.mark.parametrize("pipeline_run", ["duckdb"], indirect=True, scope="session")
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_openapi_document(
    case: schemathesis.Case, app: FastAPI, member: tuple[str, dict[str, str]]
) -> None:
    workspace_id, headers = member
    # The member's own workspace: any other id stops at the tenant check (the matrix's part).
    if case.path_parameters and "workspace_id" in case.path_parameters:
        case.path_parameters = {**case.path_parameters, "workspace_id": workspace_id}
    # Every request goes to this app, the checks' own probes (e.g. without the token) too.
    case.operation.schema.app = case.operation.app = app
    case.call_and_validate(headers=headers)
