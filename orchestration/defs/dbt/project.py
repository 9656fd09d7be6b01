"""The dbt project as Dagster sees it, and keeping its manifest current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from metricx.settings import PROJECT_ROOT

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

# The dbt installed beside this interpreter, whether or not the virtualenv is activated.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def ensure_manifest() -> Path:
    """Parse the project when the manifest is missing or older than any project file.

    `@dbt_assets` needs the manifest when definitions load; a fresh clone has none, and a stale
    one would hide a model just edited.
    """
    manifest = Path(dbt_project.manifest_path)
    sources = [
        path
        for folder in ("models", "macros", "tests")
        for path in (DBT_PROJECT_DIR / folder).rglob("*")
        if path.is_file()
    ] + [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    if manifest.exists() and manifest.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return manifest
    # Parsing does not connect to the warehouse, so the default target is fine here.
    subprocess.run(
        [DBT_EXECUTABLE, "parse", "--quiet"],
        cwd=DBT_PROJECT_DIR,
        env={"DBT_PROFILES_DIR": str(DBT_PROJECT_DIR), "PATH": "", "HOME": str(PROJECT_ROOT)},
        check=True,
    )
    return manifest
