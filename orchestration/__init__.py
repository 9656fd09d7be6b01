"""metricx's Dagster code: the code location, its assets, jobs, schedules and sensors."""

import os

# A backfill's run materializes every 15-minute window of its range: thousands of events per
# asset. Dagster writes them one by one (an insert, a NOTIFY and an index transaction each on
# dagster-postgres) unless event batching is on; it is opt-in through this variable, read when
# the events are stored, in whichever process runs the step — each of which imports this package.
os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", "1000")
