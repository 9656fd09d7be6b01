"""The dbt project as Dagster sees it, and keeping its manifest current.

`@dbt_assets` reads `target/manifest.json` when the definitions are built, and building them
never parses: under `dagster dev` the manifest is refreshed first, as `DbtProject.prepare_if_dev()`
does; every other entry point (the demo, the test session, the benchmarks, a deployment's build
step) calls `prepare_dbt_manifest()` before it loads the definitions.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from metricx.settings import PROJECT_ROOT

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

# The dbt installed beside this interpreter, whether or not the virtualenv is activated.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

# The scheduled build: unit tests check the models' logic on fixed rows, not the data, so as dbt's
# docs recommend they run in CI (tests/pipeline/test_dbt_unit_tests.py), not in every
# 15-minute build.
BUILD_COMMAND = ("build", "--exclude-resource-type", "unit_test")

# What the manifest is parsed from: editing any of these makes it stale.
_PARSED_FOLDERS = ("models", "macros", "tests", "seeds")
_PARSED_FILES = ("dbt_project.yml", "profiles.yml")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def manifest_is_current(project_dir: Path, manifest: Path) -> bool:
    """Whether `manifest` exists and is at least as recent as every file it is parsed from."""
    if not manifest.exists():
        return False
    sources = [
        path
        for folder in _PARSED_FOLDERS
        for path in (project_dir / folder).rglob("*")
        if path.is_file()
    ] + [project_dir / name for name in _PARSED_FILES]
    return manifest.stat().st_mtime >= max(path.stat().st_mtime for path in sources)


def prepare_dbt_manifest() -> Path:
    """Parse the project when the manifest is missing or older than any project file, saying so.

    A fresh clone has no manifest, and a stale one would hide a model just edited. Parsing takes
    several seconds, so it is announced on stderr rather than hidden in an import.
    """
    manifest = Path(dbt_project.manifest_path)
    if manifest_is_current(DBT_PROJECT_DIR, manifest):
        return manifest
    print(
        "metricx: parsing the dbt project (manifest missing or older than its models)…",
        file=sys.stderr,
        flush=True,
    )
    # Parsing does not connect to the warehouse, so the default target is fine here; the bare
    # environment keeps a METRICX_DBT_TARGET or DBT_* variable of the caller's out of it.
    # A whole parse: partial parsing kept a metric moved between yml files twice (dbt 1.11).
    subprocess.run(
        [DBT_EXECUTABLE, "parse", "--quiet", "--no-partial-parse"],
        cwd=DBT_PROJECT_DIR,
        env={"DBT_PROFILES_DIR": str(DBT_PROJECT_DIR), "PATH": "", "HOME": str(PROJECT_ROOT)},
        check=True,
    )
    return manifest


def prepare_manifest_if_dev() -> None:
    """Under `dagster dev`, make the manifest current before the definitions read it.

    The condition is `DbtProject.prepare_if_dev()`'s; its own preparer is not used because it
    starts `dbt` from PATH, which `make demo` and `.venv/bin/dagster dev` do not put the
    virtualenv on (the code location then fails to load), and it parses on every load, every
    run's process included, where this parses only after an edit.
    """
    if dbt_project.preparer.using_dagster_dev():
        prepare_dbt_manifest()
