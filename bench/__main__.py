"""`python -m bench [--backend B]... [--only NAME]...`: one JSON line per figure on stdout."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable

from bench import (
    backfill,
    compaction,
    copilot,
    dashboard,
    incremental,
    ingest_throughput,
    shopify_orders,
    thin_slice,
    web,
)
from bench.environments import postgres_available
from bench.history import kept_for_the_run
from orchestration.defs.dbt.project import prepare_dbt_manifest
from orchestration.event_bookkeeping import apply_event_bookkeeping

BENCHMARKS: dict[str, Callable[[str], None]] = {
    "backfill": backfill.run,
    "compaction": compaction.run,
    "copilot": copilot.run,
    "dashboard": dashboard.run,
    "incremental": incremental.run,
    "ingest_throughput": ingest_throughput.run,
    "shopify_orders": shopify_orders.run,
    "thin_slice": thin_slice.run,
    "web": web.run,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--backend", action="append", choices=["duckdb", "postgres"])
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS))
    args = parser.parse_args(argv)
    # The benchmarks' runs store their events as a deployment's do.
    apply_event_bookkeeping()
    prepare_dbt_manifest()
    backends = args.backend or ["duckdb", "postgres"]
    if "postgres" in backends and not postgres_available():
        print("bench: PostgreSQL unreachable at 127.0.0.1:5432, skipping it", file=sys.stderr)
        backends.remove("postgres")
    # dbt and Dagster print progress to stdout; keep stdout for the figures alone. Landed
    # histories are shared by the benchmarks of a run (bench/history.py).
    with contextlib.redirect_stdout(sys.stderr), kept_for_the_run():
        for name in args.only or sorted(BENCHMARKS):
            for backend in backends:
                BENCHMARKS[name](backend)
    return 0


if __name__ == "__main__":
    sys.exit(main())
