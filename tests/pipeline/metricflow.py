"""`mf query` on a warehouse: MetricFlow's own answer, for tests to compare with."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration.defs.dbt.project import DBT_EXECUTABLE, DBT_PROJECT_DIR
from warehouse.url import parse_warehouse_url

MF_EXECUTABLE = str(Path(sys.executable).with_name("mf"))


# The copies of the project parsed for each warehouse: its semantic manifest depends on the
# warehouse's name, not on what it holds, so later queries of the session reuse the parse.
_PARSED_PROJECTS: dict[str, Path] = {}


def query_metricflow(
    warehouse_url: str,
    workdir: Path,
    metrics: tuple[str, ...],
    group_by: str = "metric_time__day,workspace",
    where: str | None = None,
) -> list[dict[str, str]]:
    """Parse a copy of the project against the warehouse (once per warehouse), then ask
    MetricFlow.

    The semantic manifest names each model's relation with the target's database (the DuckDB
    file's stem, the PostgreSQL database), and `mf` reads it from <project>/target: a copy per
    warehouse keeps the shared project's artifacts out of it.
    """
    env = {
        **os.environ,
        **parse_warehouse_url(warehouse_url).dbt_env(),
    }
    project = _PARSED_PROJECTS.get(warehouse_url)
    if project is None:
        project = workdir / "dbt_project"
        shutil.copytree(
            DBT_PROJECT_DIR,
            project,
            ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"),
        )
        _run([DBT_EXECUTABLE, "parse", "--quiet"], project, env)
        _PARSED_PROJECTS[warehouse_url] = project
    output = workdir / "query.csv"
    _run(
        [
            MF_EXECUTABLE,
            "query",
            "--metrics",
            ",".join(metrics),
            "--group-by",
            group_by,
            *(["--where", where] if where else []),
            "--csv",
            str(output),
        ],
        project,
        env,
    )
    with output.open(newline="") as rows:
        return list(csv.DictReader(rows))


def _run(command: list[str], project: Path, env: dict[str, str]) -> None:
    completed = subprocess.run(
        command,
        cwd=project,
        env={**env, "DBT_PROFILES_DIR": str(project), "DBT_PROJECT_DIR": str(project)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
