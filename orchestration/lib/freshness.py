"""How old an asset's last materialization may get before the UI shows it late (WARN) or stale
(FAIL).

Dagster's `FreshnessPolicy` (evaluated by the daemon's freshness loop, shown as the asset's
freshness health) supersedes freshness checks since Dagster 1.12. The policy looks at the
asset's latest materialization of any partition: a source whose ticks stop landing turns red
even while its backfills run, but only `every_active_connection_landed` and the partition bar
tell which windows are missing.
"""

from __future__ import annotations

from datetime import timedelta

from dagster import FreshnessPolicy

from orchestration.lib.windows import PLATFORM_LAG, WINDOW

# A landing run starts PLATFORM_LAG after its window ends and takes a few minutes.
LANDING_RUN_ALLOWANCE = timedelta(minutes=5)
# The automation sensor notices the landing within a minute, then dbt waits for the landing's
# writers to leave the pool and builds every model.
MODEL_BUILD_ALLOWANCE = timedelta(minutes=10)

# Late when one tick did not land on time; stale once the next tick has not either. One failed
# run that the next tick repairs warns without paging anyone.
LANDING_FRESHNESS = FreshnessPolicy.time_window(
    warn_window=WINDOW + PLATFORM_LAG + LANDING_RUN_ALLOWANCE,
    fail_window=2 * WINDOW + PLATFORM_LAG + LANDING_RUN_ALLOWANCE,
)
# The marts follow every landing, so they are due a build allowance after it.
MART_FRESHNESS = FreshnessPolicy.time_window(
    warn_window=WINDOW + PLATFORM_LAG + LANDING_RUN_ALLOWANCE + MODEL_BUILD_ALLOWANCE,
    fail_window=2 * WINDOW + PLATFORM_LAG + LANDING_RUN_ALLOWANCE + MODEL_BUILD_ALLOWANCE,
)
