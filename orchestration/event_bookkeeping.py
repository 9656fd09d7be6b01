"""The two Dagster switches that make a ranged run's bookkeeping affordable.

A backfill's run covers thousands of 15-minute windows per asset, and Dagster records each one
twice by default, one statement at a time: a "materialization planned" event when it creates
the run, a materialization when the step ends (on dagster-postgres an insert, a NOTIFY and an
index transaction each, ~10 ms). Batching stores the materializations a thousand per insert;
planned events per asset and run instead of per window took a 90-day backfill on PostgreSQL
from 804 s to 340 s, at the price of the partition bar's red for a failed run's windows (they
show as missing; see README).

Dagster reads both where it stores the events, in whichever process that is: the entry points
that store run events (`metricx demo` and the `dagster dev` it starts, the tests, the
benchmarks) apply them before any run; a deployment sets them in the environment of its code
server, webserver and daemon.
"""

from __future__ import annotations

import os

EVENT_BOOKKEEPING_ENV = {
    "DAGSTER_EVENT_BATCH_SIZE": "1000",
    "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "1",
}


def apply_event_bookkeeping() -> None:
    """Set both switches in this process's environment (inherited by the processes it starts),
    unless the environment already chose a value."""
    for name, value in EVENT_BOOKKEEPING_ENV.items():
        os.environ.setdefault(name, value)
