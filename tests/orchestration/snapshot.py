"""The code location's graph as plain data, for tests/orchestration/test_definitions.py to pin.

`python -m tests.orchestration.snapshot` rewrites the pinned file after an intended change; the
diff is the review of what changed in the graph.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dagster import Definitions, PartitionsDefinition, TimeWindowPartitionsDefinition

from metricx.settings import Settings
from orchestration.definitions import build_definitions
from orchestration.defs.dbt.project import prepare_dbt_manifest
from orchestration.partitions import daily_partitions, fifteen_minute_partitions

SNAPSHOT = Path(__file__).with_name("definitions.snapshot.json")
# Everything the graph holds, the sensor included (it exists only with a DSN).
SNAPSHOT_SETTINGS = Settings(
    partitions_start="2026-08-01", sentry_dsn="https://key@sentry.invalid/1"
)


def describe(definitions: Definitions, settings: Settings) -> dict[str, Any]:
    partitions = {
        "windows": fifteen_minute_partitions(settings.partitions_start),
        "days": daily_partitions(settings.partitions_start),
    }

    def partitions_name(used: PartitionsDefinition | None) -> str | None:
        if used is None:
            return None
        [name] = [name for name, defined in partitions.items() if defined == used]
        return name

    graph = definitions.resolve_asset_graph()
    checks: dict[str, list[str]] = {}
    for check_key in graph.asset_check_keys:
        checks.setdefault(check_key.asset_key.to_user_string(), []).append(check_key.name)
    repository = definitions.get_repository_def()
    return {
        "partitions": {name: _partitions(defined) for name, defined in partitions.items()},
        "assets": {
            key.to_user_string(): {
                "group": graph.get(key).group_name,
                "partitions": partitions_name(graph.get(key).partitions_def),
                "checks": sorted(checks.get(key.to_user_string(), [])),
            }
            for key in sorted(graph.get_all_asset_keys())
        },
        "jobs": {
            job.name: {
                "partitions": partitions_name(job.partitions_def),
                "assets": sorted(
                    key.to_user_string() for key in job.asset_layer.executable_asset_keys
                ),
            }
            for job in sorted(repository.get_all_jobs(), key=lambda job: job.name)
            if not job.name.startswith("__")
        },
        "schedules": {
            schedule.name: {
                "cron": schedule.cron_schedule,
                "timezone": schedule.execution_timezone,
                "job": schedule.job_name,
            }
            for schedule in sorted(repository.schedule_defs, key=lambda schedule: schedule.name)
        },
        "sensors": sorted(sensor.name for sensor in repository.sensor_defs),
    }


def current() -> dict[str, Any]:
    return describe(build_definitions(SNAPSHOT_SETTINGS), SNAPSHOT_SETTINGS)


def _partitions(partitions: TimeWindowPartitionsDefinition) -> dict[str, Any]:
    return {
        "cron": partitions.cron_schedule,
        "start": partitions.start.isoformat(),
        "timezone": partitions.timezone,
        "key_format": partitions.fmt,
        "end_offset": partitions.end_offset,
    }


if __name__ == "__main__":
    # The dbt assets come from the manifest on disk: a stale one would pin yesterday's models.
    prepare_dbt_manifest()
    SNAPSHOT.write_text(json.dumps(current(), indent=2, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT}")
