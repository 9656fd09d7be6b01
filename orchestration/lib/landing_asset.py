"""The one factory of landing assets: what every source's asset shares.

No `from __future__ import annotations` here: `landing_asset` compares the body's `config`
annotation, which Dagster also reads at definition time, with the class it was given.
"""

import warnings
from collections.abc import Callable
from functools import cache

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    BetaWarning,
    Config,
    MaterializeResult,
    asset,
)

from orchestration.lib.freshness import LANDING_FRESHNESS
from orchestration.lib.pools import WAREHOUSE_WRITES_POOL
from orchestration.lib.windows import Window, windows_between
from orchestration.partitions import fifteen_minute_partitions
from warehouse.raw_tables import RawTable

# A landing asset for the windows starting at a date (`Settings.partitions_start`); the same
# date always gives the same asset, so jobs and schedules built apart refer to one object.
LandingAssetFactory = Callable[[str], AssetsDefinition]

# Every landing asset passes `backfill_policy` (one run per backfill range), which Dagster flags
# as beta each time one is defined, in every process that loads the code location (`metricx
# demo`, `dagster dev`'s code server, the runs): identical warnings about a choice made on purpose.
warnings.filterwarnings(
    "ignore", message="Parameter `backfill_policy` of function `asset`", category=BetaWarning
)


def landing_asset(
    table: RawTable,
    *,
    group: str,
    kinds: set[str],
    description: str,
    config_cls: type[Config] | None = None,
) -> Callable[[Callable[..., MaterializeResult]], LandingAssetFactory]:
    """Turn an asset body into its factory: `@asset` with what every landing asset shares,
    keyed `raw/<table>`, partitioned by 15-minute window, one run per backfill range (so a
    connector reads each day once), in the warehouse writers' pool, late in the UI when a tick
    did not land (`LANDING_FRESHNESS`).

    `config_cls` is only checked to be the body's config annotation: Dagster reads the config
    class from the function itself.
    """

    def decorate(body: Callable[..., MaterializeResult]) -> LandingAssetFactory:
        annotated = body.__annotations__.get("config")
        if config_cls is not None and annotated is not config_cls:
            raise TypeError(f"{body.__name__} must take `config: {config_cls.__name__}`")

        @cache
        def build(partitions_start: str) -> AssetsDefinition:
            return asset(
                key=AssetKey(["raw", table.name]),
                partitions_def=fifteen_minute_partitions(partitions_start),
                backfill_policy=BackfillPolicy.single_run(),
                pool=WAREHOUSE_WRITES_POOL,
                freshness_policy=LANDING_FRESHNESS,
                group_name=group,
                kinds=kinds,
                description=description,
            )(body)

        return build

    return decorate


def run_windows(context: AssetExecutionContext) -> list[Window]:
    time_window = context.partition_time_window
    return list(windows_between(time_window.start, time_window.end))
