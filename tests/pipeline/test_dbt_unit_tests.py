"""The dbt unit tests (`unit_tests:` in the models' yml), on DuckDB and PostgreSQL.

The scheduled build leaves them out (orchestration.defs.dbt.project.BUILD_COMMAND), so this is
where they run: against the pipeline's warehouse, which holds the relations whose column types
dbt reads for the given rows.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_dbt
from tests.pipeline.conftest import PipelineRun


def test_every_dbt_unit_test_passes(pipeline_run: PipelineRun, tmp_path: Path) -> None:
    assert pipeline_run.succeeded
    run_dbt(pipeline_run.settings.warehouse_url, tmp_path, "test", "--select", "test_type:unit")
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    statuses = {result["unique_id"]: result["status"] for result in results}
    assert set(statuses) == set(manifest["unit_tests"]), "every unit test should have run"
    assert set(statuses.values()) == {"pass"}, statuses
