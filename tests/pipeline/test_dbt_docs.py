"""The dbt docs analysts browse: `dbt docs generate` against the pipeline's warehouse on each
backend, and a description for every model and for every column the marts really hold.

Columns are taken from the catalog (what the warehouse holds), not the yml, so a column added to
a model without its doc fails here by name (model.column).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import run_dbt
from tests.pipeline.conftest import PipelineRun


@pytest.fixture(scope="module")
def docs(
    pipeline_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The manifest and catalog `dbt docs generate` writes for the run's warehouse."""
    assert pipeline_run.succeeded
    folder = tmp_path_factory.mktemp("dbt_docs")
    run_dbt(pipeline_run.settings.warehouse_url, folder, "docs", "generate")
    return (
        json.loads((folder / "target" / "manifest.json").read_text()),
        json.loads((folder / "target" / "catalog.json").read_text()),
    )


def _models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == "metricx"
    }


def _undocumented_columns(
    manifest: dict[str, Any], catalog: dict[str, Any], layer: str
) -> list[str]:
    """model.column for each column of the layer's models in the warehouse without a doc."""
    missing = []
    for unique_id, model in _models(manifest).items():
        if model["fqn"][1] != layer:
            continue
        documented = {
            name.lower()
            for name, column in model["columns"].items()
            if column.get("description", "").strip()
        }
        for column in catalog["nodes"][unique_id]["columns"]:
            if column.lower() not in documented:
                missing.append(f"{model['name']}.{column.lower()}")
    return sorted(missing)


def test_docs_catalog_every_model(docs: tuple[dict[str, Any], dict[str, Any]]) -> None:
    manifest, catalog = docs
    models = _models(manifest)
    assert models
    assert sorted(set(models) - set(catalog["nodes"])) == []


def test_every_model_has_a_description(docs: tuple[dict[str, Any], dict[str, Any]]) -> None:
    manifest, _ = docs
    undescribed = [
        model["name"] for model in _models(manifest).values() if not model["description"].strip()
    ]
    assert not undescribed, f"models without a description: {', '.join(sorted(undescribed))}"


@pytest.mark.parametrize("layer", ["staging", "intermediate", "marts"])
def test_every_column_in_the_warehouse_is_documented(
    docs: tuple[dict[str, Any], dict[str, Any]], layer: str
) -> None:
    manifest, catalog = docs
    missing = _undocumented_columns(manifest, catalog, layer)
    assert not missing, f"{len(missing)} columns without a description: {', '.join(missing)}"
