"""metricx's Dagster code: the code location, its assets, jobs, schedules and sensors."""

import os

# A backfill's run covers thousands of 15-minute windows per asset, and Dagster records each one
# twice by default, one statement at a time: a "materialization planned" event when it creates
# the run, a materialization when the step ends (on dagster-postgres an insert, a NOTIFY and an
# index transaction each, ~10 ms). Batching stores the materializations a thousand per insert;
# planned events per asset and run instead of per window took a 90-day backfill on PostgreSQL
# from 804 s to 340 s, at the price of the partition bar's red for a failed run's windows (they
# show as missing; see README). Dagster reads both where it stores the events, in whichever
# process that is: every process importing this package gets them, and the webserver and the
# daemon, which create the UI's and the schedules' runs, need them in their environment.
os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", "1000")
os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "1")
