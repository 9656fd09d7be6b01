"""The semantic manifest dbt writes when it parses the project, made readable on any copy of
the warehouse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from metricflow_semantic_interfaces.protocols.semantic_manifest import SemanticManifest
from metricflow_semantics.model.dbt_manifest_parser import (
    parse_manifest_from_dbt_generated_manifest,
)

from metricx.settings import PROJECT_ROOT

SEMANTIC_MANIFEST_PATH = PROJECT_ROOT / "dbt_project" / "target" / "semantic_manifest.json"


class SemanticManifestMissing(RuntimeError):
    pass


def load_semantic_manifest(path: Path = SEMANTIC_MANIFEST_PATH) -> SemanticManifest:
    """The manifest with every relation named by schema and table only.

    dbt names relations `"<database>"."<schema>"."<table>"`, the database being the target's:
    the DuckDB file's stem, which the published serving copy does not share, or the PostgreSQL
    database the dbt profile named. Readers are connected to the right database already.
    """
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise SemanticManifestMissing(
            f"no semantic manifest at {path}: parse the dbt project first "
            "(`make demo` does; or `dbt parse` in dbt_project/)"
        ) from None
    for semantic_model in raw["semantic_models"]:
        _drop_database(semantic_model["node_relation"])
    for time_spine in raw["project_configuration"].get("time_spines", []):
        _drop_database(time_spine["node_relation"])
    return parse_manifest_from_dbt_generated_manifest(manifest_json_string=json.dumps(raw))


def _drop_database(node_relation: dict[str, Any]) -> None:
    node_relation["database"] = None
    node_relation["relation_name"] = f'"{node_relation["schema_name"]}"."{node_relation["alias"]}"'
