"""Every date parameter of every route, read from the OpenAPI document, refuses the days at the
edges of what a date can hold (and what is not a day at all) with a problem+json 422, never a
500 or a guess; on both app databases."""

from __future__ import annotations

from typing import Any

import pytest

from metricx.settings import Settings
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from tests.api.conftest import bearer, mint_token
from tests.helpers import routes_only_app, serve

# A day inside every bound, beside which each edge value is sent.
GOOD_DAY = "2026-11-20"
EDGE_VALUES = [
    "0001-01-01",
    "0001-01-29",  # a default start 30 days before it would be year 0
    "1999-12-31",
    "2100-01-01",
    "9999-12-31",  # its next day, or its UTC end east of Greenwich, is past date.max
    "0.0",  # a Unix timestamp to pydantic's lax date parsing
    "0",
    "2026-11-20T00:00:00",
    "20261120",
    "2026-02-30",
]


def _date_parameters() -> list[tuple[str, str, list[str]]]:
    """Each GET route with date query parameters: its path, whether it takes `range`, and the
    names of its date parameters."""
    found = []
    for path, operations in routes_only_app().openapi()["paths"].items():
        parameters: list[dict[str, Any]] = operations.get("get", {}).get("parameters", [])
        dates = [
            parameter["name"]
            for parameter in parameters
            if parameter["in"] == "query" and "'format': 'date'" in str(parameter["schema"])
        ]
        if dates:
            takes_range = any(parameter["name"] == "range" for parameter in parameters)
            found.append((path, "custom" if takes_range else "", dates))
    return found


DATE_PARAMETERS = _date_parameters()


def test_the_routes_with_date_parameters_are_found() -> None:
    # A change in how FastAPI writes a date's schema must not empty the test below.
    assert {path.rsplit("/", 1)[-1] for path, _, _ in DATE_PARAMETERS} == {
        "daily",
        "dashboard",
        "campaigns",
        "metrics",
    }


@pytest.mark.parametrize(("path", "report_range", "names"), DATE_PARAMETERS)
async def test_every_date_parameter_refuses_the_edges_with_422(
    settings_on_each_app_db: Settings,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    path: str,
    report_range: str,
    names: list[str],
) -> None:
    token = bearer(mint_token(simulator, merchants[0]))
    async with serve(settings_on_each_app_db) as client:
        [workspace] = (await client.get("/v1/workspaces", headers=token)).json()["workspaces"]
        url = path.replace("{workspace_id}", workspace["id"])
        base = {"range": report_range} if report_range else {}
        base |= {name: GOOD_DAY for name in names}
        if "metrics" in path:
            base["metrics"] = "spend"
        answers = {
            (name, value): await client.get(url, headers=token, params={**base, name: value})
            for name in names
            for value in EDGE_VALUES
        }
        # A period of that one day alone: no other rule (order, length) refuses it first.
        for value in EDGE_VALUES:
            alone = {**base, **dict.fromkeys(names, value)}
            answers["all", value] = await client.get(url, headers=token, params=alone)

    for (name, value), response in answers.items():
        assert response.status_code == 422, (name, value, response.text)
        assert response.headers["content-type"] == "application/problem+json"
