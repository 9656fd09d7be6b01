"""The metrics and campaigns routes apart from the marts (those tests are in tests/pipeline/):
tenancy, the OpenAPI document, the attribution models and the paging cursor."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from api.campaigns.service import (
    EntityPerformance,
    InvalidCursor,
    Level,
    Sort,
    decode_cursor,
    encode_cursor,
)
from api.main import create_app
from api.reporting.attribution import AttributionModel
from metricx.settings import Settings
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from tests.api.conftest import bearer, mint_token
from warehouse.semantic.compiler import SemanticLayer
from warehouse.semantic.manifest import load_semantic_manifest

ROUTES = ("metrics", "campaigns")
PARAMS = {"metrics": {"metrics": "spend"}, "campaigns": {}}


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("route", ROUTES)
async def test_only_members_reach_a_workspace(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    workspace_ids: dict[str, str],
    route: str,
) -> None:
    path = f"/v1/workspaces/{workspace_ids['demo-2']}/{route}"
    anonymous = await client.get(path, params=PARAMS[route])
    assert anonymous.status_code == 401
    # demo-1's owner is no member of demo-2: the same answer as a workspace that does not exist.
    stranger = await client.get(
        path, params=PARAMS[route], headers=bearer(mint_token(simulator, merchants[0]))
    )
    assert stranger.status_code == 404
    assert stranger.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("route", ROUTES)
def test_the_openapi_document_describes_every_answer(settings: Settings, route: str) -> None:
    operation = create_app(settings).openapi()["paths"][f"/v1/workspaces/{{workspace_id}}/{route}"]
    responses = operation["get"]["responses"]
    assert set(responses) == {"200", "401", "403", "404", "422", "500", "503"}
    for status in ("401", "403", "404", "422", "500", "503"):
        schema = responses[status]["content"]["application/problem+json"]["schema"]
        assert {"type", "title", "status", "detail"} <= set(schema["properties"])
    assert (
        "request_id"
        in responses["500"]["content"]["application/problem+json"]["schema"]["properties"]
    )
    if route == "metrics":
        unprocessable = responses["422"]["content"]["application/problem+json"]["schema"]
        assert {"allowed_metrics", "allowed_dimensions"} <= set(unprocessable["properties"])


def test_every_attribution_model_has_its_metrics() -> None:
    """The models offered are the semantic layer's: each has its attributed revenue and ROAS,
    and no model of the semantic layer is left out."""
    metrics = SemanticLayer(load_semantic_manifest(), "duckdb").metrics
    for model in AttributionModel:
        assert model.metric("attributed_revenue") in metrics
        assert model.metric("attributed_roas") in metrics
    modelled = {
        name.removeprefix("attributed_revenue_")
        for name in metrics
        if name.startswith("attributed_revenue_")
    }
    assert modelled == {model.value for model in AttributionModel}


def _entity(**values: object) -> EntityPerformance:
    fields: dict[str, object] = {
        "provider": "meta_ads",
        "level": Level.CAMPAIGN,
        "id": "120",
        "name": "Prospecting",
        "status": "ACTIVE",
        "effective_status": "ACTIVE",
        "campaign_id": "120",
        "campaign_name": "Prospecting",
        "ad_group_id": None,
        **values,
    }
    return EntityPerformance(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sort", "entity", "attribute"),
    [
        (Sort.SPEND_DESC, _entity(spend=Decimal("12.34")), "spend"),
        (Sort.SPEND, _entity(spend=None), "spend"),
        (Sort.PLATFORM_ROAS_DESC, _entity(platform_roas=1 / 3), "platform_roas"),
        (Sort.NAME, _entity(name="Brand | Search"), "name"),
    ],
)
def test_a_cursor_holds_its_position_exactly(
    sort: Sort, entity: EntityPerformance, attribute: str
) -> None:
    anchor = decode_cursor(encode_cursor(entity, sort), sort)
    assert (anchor.id, anchor.provider) == (entity.id, entity.provider)
    assert getattr(anchor, attribute) == getattr(entity, attribute)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor",
        # Valid base64 of JSON that is no position, or a position of the wrong type.
        "WzFd",  # [1]
        "eyJzb3J0IjogIi1zcGVuZCIsICJ2YWx1ZSI6ICJOYU4iLCAiaWQiOiAiMSIsICJwcm92aWRlciI6ICJ4In0",
        "eyJzb3J0IjogIi1zcGVuZCIsICJ2YWx1ZSI6IDEsICJpZCI6ICIxIiwgInByb3ZpZGVyIjogIngifQ",
    ],
)
def test_a_tampered_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, Sort.SPEND_DESC)


def test_a_cursor_of_another_sort_is_refused() -> None:
    cursor = encode_cursor(_entity(spend=Decimal("1.00")), Sort.SPEND_DESC)
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, Sort.SPEND)
