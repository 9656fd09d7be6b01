"""metricx's Dagster code: the code location, its assets, jobs, schedules and sensors."""

import os

# A backfill's run covers thousands of 15-minute windows per asset. Dagster records each one
# twice by default, one statement at a time: a "materialization planned" event when the run is
# created, a materialization when the step ends (on dagster-postgres, an insert, a NOTIFY and an
# index transaction each: ~10 ms, 7 of a 90-day backfill's 13 minutes). Batching stores the
# materializations a thousand per insert; planned events per asset and run, not per window, cost
# the partition bar its red for a failed run's windows (they show as missing; see README). Both
# are read where the events are stored, in every process that imports this package; the webserver
# and the daemon, which create the UI's and the schedules' runs, need them in their environment.
os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", "1000")
os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "1")
