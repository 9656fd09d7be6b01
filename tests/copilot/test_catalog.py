"""The copilot's catalog and tool schema come from the semantic manifest: metric names are enums
of the strict schema, per-model attribution metrics are asked for once with a model, and nothing
in the schema can name a workspace, a table or SQL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from api.copilot.query import (
    CampaignStatus,
    Catalog,
    InvalidQuery,
    StructuredQuery,
    checked,
    tool_schema,
)
from api.reporting.attribution import AttributionModel
from orchestration.defs.dbt.project import prepare_dbt_manifest
from tests.copilot.test_parser_eval import catalog_metrics
from warehouse.semantic.compiler import SemanticLayer
from warehouse.semantic.manifest import load_semantic_manifest


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.of(SemanticLayer(load_semantic_manifest(), "duckdb"))


def _objects(schema: Any) -> list[dict[str, Any]]:
    if isinstance(schema, dict):
        found = [schema] if schema.get("type") == "object" else []
        return found + [o for value in schema.values() for o in _objects(value)]
    if isinstance(schema, list):
        return [o for value in schema for o in _objects(value)]
    return []


def test_the_schema_enums_are_the_manifests_metrics(catalog: Catalog) -> None:
    manifest = set(SemanticLayer(load_semantic_manifest(), "duckdb").metrics)
    schema = tool_schema(catalog)
    names = schema["properties"]["metrics"]["items"]["enum"]
    assert set(names) == set(catalog.metrics)
    assert schema["$defs"]["OrderBy"]["properties"]["metric"]["enum"] == names
    # Every name is the manifest's, or a measure the manifest has for each attribution model.
    for name in names:
        if name in catalog.attributed:
            assert {model.metric(name) for model in AttributionModel} <= manifest
        else:
            assert name in manifest
    assert not any(name.endswith(f"_{AttributionModel.LINEAR.value}") for name in names)
    # The parser's evaluation set asks with names the manifest still has.
    assert catalog_metrics() <= set(names)


def test_the_schema_is_strict_and_names_no_workspace(catalog: Catalog) -> None:
    schema = tool_schema(catalog)
    assert all(obj.get("additionalProperties") is False for obj in _objects(schema))
    text = json.dumps(schema).lower()
    assert "workspace_id" not in text and "sql" not in text


def test_a_tool_input_naming_an_unknown_metric_is_rejected(catalog: Catalog) -> None:
    with pytest.raises(InvalidQuery):
        checked(StructuredQuery(metrics=["profit_margin"]), catalog)
    with pytest.raises(ValueError):  # extra keys (a workspace) are no part of the query
        StructuredQuery.model_validate({"metrics": ["spend"], "workspace_id": "other"})
    assert checked(StructuredQuery(metrics=["spend"]), catalog).metrics == ["spend"]


def test_the_status_filter_is_the_marts_vocabulary_and_a_semantic_dimension() -> None:
    """`filters.status` offers exactly the statuses dim_ad_entities may hold (its
    accepted_values test), and the semantic layer joins them to spend and attributed ROAS."""
    manifest = json.loads(prepare_dbt_manifest().read_text())
    [accepted] = [
        node["test_metadata"]["kwargs"]["values"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and node.get("attached_node") == "model.metricx.dim_ad_entities"
        and node.get("column_name") == "normalized_status"
        and node["test_metadata"]["name"] == "accepted_values"
    ]
    assert sorted(status.value for status in CampaignStatus) == sorted(accepted)
    schema = StructuredQuery.model_json_schema()
    assert schema["$defs"]["CampaignStatus"]["enum"] == [status.value for status in CampaignStatus]
    layer = SemanticLayer(load_semantic_manifest(), "duckdb")
    for metric in ("spend", "attributed_roas_last_non_direct_click"):
        assert "campaign__status" in layer.dimensions([metric])
    assert "campaign__status" not in layer.dimensions(["revenue"])
