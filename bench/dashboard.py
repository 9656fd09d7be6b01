"""The one-call dashboard's latency and throughput at 50 merchants × 90 days (issue #12, "Speed").

How the fleet is made, honestly: the pipeline lands the two demo merchants' real history
(bench/history.py, one ranged ingest run) and dbt builds the marts from it, as in production.
Landing 50 merchants that way would take hours (2 × 92 days took 29 minutes on a busy
2-vCPU machine), so the 48 others are copies: each built
merchant's mart rows inserted again under a new workspace id and new connection ids, with the
workspace, its owner's membership and its connections in the app database (bench/merchants.py).
The read path then sees the row counts and the per-workspace selectivity 50 merchants would give;
what it does not see is 50 different shapes of data (the copies' campaigns, days and orders are
their original's). The marts are then published as the pipeline publishes a build
(warehouse/serving.py: a new version, the response cache's key, and on DuckDB the serving copy
the API reads, sorted by workspace and day); on PostgreSQL the API reads the marts themselves,
vacuumed and analyzed after the copy as autovacuum soon would.

The API runs as deployed: one uvicorn worker in its own process, over real HTTP, with a session
token from the Clerk simulator per owner. Each case is warmed up first (every workspace asked
once), then timed in the workspaces' shuffled order:
- latency: one request at a time (p50/p95/p99 in ms), and the API's CPU time per request (all
  its threads: what the page costs the server whatever the client and the wire add);
- throughput: CONCURRENCY clients at once (requests/s);
- the eight-call baseline: the same content as eight per-widget calls made one after another
  (KPIs now and before, chart, spend mix, attribution, top campaigns, freshness, workspace),
  timed as one page load (a browser would overlap them; one after another, the figure is the
  server's work for the page plus eight round trips); calls whose route the API does not serve
  are left out and named, and then no speedup is claimed;
- ETag hits: the dashboard asked again with its `If-None-Match` (when the API sends an ETag).
With the response cache off (METRICX_RESPONSE_CACHE_MAX_BYTES=0) every request computes its
answer; with it on, the warm-up fills it, so the timed requests are hits.
The API's resident memory (VmRSS, and the peak VmHWM) is read after each server's runs.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from api.dashboard.kpis import ADS_PROVIDER, ATTRIBUTION_PROVIDER, KPIS
from api.reporting.attribution import DEFAULT_ATTRIBUTION_MODEL
from api.reporting.periods import ReportRange, resolve_range
from bench.api_server import ApiServer, serve_api
from bench.history import DAYS as HISTORY_DAYS
from bench.history import DbtCommands, LandedHistory, day_vars, landed_history, warehouse_copy
from bench.merchants import MARTS_SCHEMA, Replica, replicate_workspaces, workspace_marts
from bench.report import emit
from metricx.settings import Settings
from orchestration.defs.dbt.project import BUILD_COMMAND
from orchestration.lib.windows import WINDOW
from warehouse.connection import DuckDBWarehouse, open_warehouse
from warehouse.serving import publish_marts

# Quick iterations: METRICX_BENCH_DASHBOARD_MERCHANTS=10 METRICX_BENCH_HISTORY_DAYS=14
# METRICX_BENCH_DASHBOARD_REQUESTS=60 (the landed history is kept between runs either way).
MERCHANTS = int(os.environ.get("METRICX_BENCH_DASHBOARD_MERCHANTS", "50"))
DAYS = min(90, HISTORY_DAYS)
RANGES = (ReportRange.TODAY, ReportRange.LAST_7_DAYS, ReportRange.LAST_30_DAYS)
REQUESTS = int(os.environ.get("METRICX_BENCH_DASHBOARD_REQUESTS", "300"))
# Page loads of the baseline per case: each is eight requests.
BASELINE_LOADS = max(REQUESTS // 3, 10)
CONCURRENCY = 4
TOKEN_LIFETIME_SECONDS = 3 * 3600
TARGET_P95_MS = {"duckdb": 20.0, "postgres": 40.0}
TARGET_SPEEDUP = 5.0
TARGET_ETAG_HIT_MS = 2.0
TARGET_RSS_MB = 300.0
# How the cache is switched off for the server's process.
CACHE_OFF_ENV = {"METRICX_RESPONSE_CACHE_MAX_BYTES": "0"}
_MODEL = DEFAULT_ATTRIBUTION_MODEL
_CAPTURED_AT = "metric_snapshot__captured_at__minute"
_SNAPSHOT_PROVIDER = "metric_snapshot__provider"
_ATTRIBUTION_GROUPS = ",".join(
    (
        "attributed_performance_day__channel",
        ATTRIBUTION_PROVIDER,
        "attributed_performance_day__is_attributed",
    )
)


@dataclass(frozen=True)
class Call:
    """One request of a page load; `widget` names what it is for in the figures."""

    widget: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


# One page load of a workspace; False when it is no sample of what is timed (an ETag gone stale
# as a window closed), and then it is made again.
Visit = Callable[["Browser", Replica], bool]


def run(backend: str) -> None:
    history = landed_history(backend)
    with (
        warehouse_copy(history, DAYS) as settings,
        tempfile.TemporaryDirectory(prefix="metricx-bench-dbt-") as folder,
    ):
        started = time.perf_counter()
        DbtCommands(settings, Path(folder)).run(
            *BUILD_COMMAND,
            dbt_vars=day_vars(history.end - timedelta(days=DAYS), history.end - WINDOW),
        )
        build_seconds = time.perf_counter() - started
        started = time.perf_counter()
        replicas = replicate_workspaces(settings, MERCHANTS)
        rows = _publish(settings)
        fleet = {"merchants": len(replicas), "days": DAYS}
        emit("dashboard.fleet_dbt_build", build_seconds, "s", backend=backend, **fleet)
        emit(
            "dashboard.fleet_replicate_and_publish",
            time.perf_counter() - started,
            "s",
            backend=backend,
            mart_rows=rows,
            **fleet,
        )
        for cache in (False, True):
            _measure_server(history, settings, replicas, cache, fleet)


def _publish(settings: Settings) -> dict[str, int]:
    """Make the copied marts what readers read; returns each workspace mart's row count."""
    warehouse = open_warehouse(settings.warehouse_url)
    try:
        tables = workspace_marts(warehouse)
        if not isinstance(warehouse, DuckDBWarehouse):
            # What autovacuum soon does to tables this size after the copy (PostgreSQL 13+
            # vacuums after inserts too): statistics, and the visibility map that lets the
            # dashboard's reads be index-only scans.
            for table in tables:
                warehouse.execute(f"VACUUM ANALYZE {MARTS_SCHEMA}.{table}")
        # As the pipeline does after a build: a new version (the response cache's key), and on
        # DuckDB the serving copy, sorted.
        publish_marts(warehouse)
        counts = {
            table: warehouse.fetch_all(f"SELECT count(*) AS n FROM {MARTS_SCHEMA}.{table}")[0]["n"]
            for table in tables
        }
        return {table: int(count) for table, count in counts.items()}
    finally:
        warehouse.close()


def _measure_server(
    history: LandedHistory,
    settings: Settings,
    replicas: list[Replica],
    cache: bool,
    fleet: dict[str, Any],
) -> None:
    backend = history.backend
    cache_name = "on" if cache else "off"
    tokens = _tokens(history, replicas)
    order = replicas[:]
    random.Random(12).shuffle(order)
    # The benchmark's tokens outlive the API's default bound on a session token's lifetime.
    env = {"METRICX_CLERK_MAX_TOKEN_LIFETIME_SECONDS": str(TOKEN_LIFETIME_SECONDS)}
    with serve_api(settings, env if cache else env | CACHE_OFF_ENV) as server:
        served = _served_paths(server)
        for report_range in RANGES:
            parameters = {"range": report_range.value, "cache": cache_name, **fleet}
            page = Browser(server, tokens)
            try:
                dashboard = _dashboard_visit(report_range)
                baseline, widgets = _baseline_visit(report_range, served)
                for replica in order:  # warm-up: every workspace asked once
                    dashboard(page, replica)
                    baseline(page, replica)
                dashboard_timed = _timed(page, dashboard, order, REQUESTS, server)
                _emit_timed("dashboard", dashboard_timed, backend, parameters)
                emit(
                    "dashboard.requests_per_s",
                    _throughput(server, tokens, dashboard, order, REQUESTS),
                    "1/s",
                    backend=backend,
                    concurrency=CONCURRENCY,
                    **parameters,
                )
                baseline_timed = _timed(page, baseline, order, BASELINE_LOADS, server)
                _emit_timed(
                    "dashboard.baseline",
                    baseline_timed,
                    backend,
                    {**parameters, "calls": widgets},
                )
                if len(widgets) == len(_baseline_calls(report_range, "UTC")):
                    for quantile in ("p50", "p95"):
                        emit(
                            f"dashboard.speedup_{quantile}",
                            _quantile(baseline_timed.seconds, quantile)
                            / _quantile(dashboard_timed.seconds, quantile),
                            "ratio",
                            backend=backend,
                            target=TARGET_SPEEDUP,
                            **parameters,
                        )
                else:
                    print(
                        f"bench: no speedup figure: the baseline's {widgets} are all the API "
                        "serves of its eight calls",
                        file=sys.stderr,
                    )
                etag_hit = _etag_visit(page, report_range, order)
                if etag_hit is not None:
                    _emit_timed(
                        "dashboard.etag_hit",
                        _timed(page, etag_hit, order, REQUESTS, server),
                        backend,
                        parameters,
                    )
            finally:
                page.close()
        rss, peak = server.resident_memory_mb()
    emit(
        "dashboard.api_rss_mb",
        rss,
        "MiB",
        backend=backend,
        peak_mb=round(peak, 1),
        target=TARGET_RSS_MB,
        cache=cache_name,
        **fleet,
    )


@dataclass(frozen=True)
class Timed:
    """The page loads' latencies, and the API's CPU time over them (all its threads)."""

    seconds: list[float]
    server_cpu_seconds: float


def _emit_timed(name: str, timed: Timed, backend: str, parameters: dict[str, Any]) -> None:
    seconds = timed.seconds
    target = {
        "dashboard": TARGET_P95_MS[backend] if parameters["cache"] == "off" else None,
        "dashboard.etag_hit": TARGET_ETAG_HIT_MS,
    }.get(name)
    for quantile in ("p50", "p95", "p99"):
        emit(
            f"{name}.{quantile}_ms",
            _quantile(seconds, quantile) * 1000,
            "ms",
            backend=backend,
            requests=len(seconds),
            **({"target": target} if target is not None and quantile == "p95" else {}),
            **parameters,
        )
    # What a page load costs the server whatever the client and the wire add: comparable
    # across hosts and between the one call and the eight.
    emit(
        f"{name}.server_cpu_ms",
        timed.server_cpu_seconds / len(seconds) * 1000,
        "ms",
        backend=backend,
        requests=len(seconds),
        **parameters,
    )


def _quantile(seconds: Sequence[float], quantile: str) -> float:
    percent = int(quantile.removeprefix("p"))
    return statistics.quantiles(seconds, n=100, method="inclusive")[percent - 1]


def _timed(
    browser: Browser, visit: Visit, order: list[Replica], count: int, server: ApiServer
) -> Timed:
    seconds: list[float] = []
    index = 0
    # A visit made again (an ETag gone stale as a window closed) counts in the CPU time: rare.
    cpu_before = server.cpu_seconds()
    while len(seconds) < count:
        started = time.perf_counter()
        if visit(browser, order[index % len(order)]):
            seconds.append(time.perf_counter() - started)
        index += 1
    return Timed(seconds, server.cpu_seconds() - cpu_before)


def _throughput(
    server: ApiServer, tokens: dict[str, str], visit: Visit, order: list[Replica], count: int
) -> float:
    """Visits per second with CONCURRENCY clients each making its share one after another."""
    browsers = [Browser(server, tokens) for _ in range(CONCURRENCY)]
    try:

        def share(number: int) -> None:
            for index in range(number, count, CONCURRENCY):
                visit(browsers[number], order[index % len(order)])

        started = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(share, range(CONCURRENCY)))
        return count / (time.perf_counter() - started)
    finally:
        for browser in browsers:
            browser.close()


class Browser:
    """The owners' browser: each request carries its workspace owner's session token."""

    def __init__(self, server: ApiServer, tokens: dict[str, str]) -> None:
        self._client = httpx.Client(base_url=server.base_url, timeout=30)
        self._tokens = tokens

    def get(self, replica: Replica, call: Call) -> httpx.Response:
        response = self._client.get(
            call.path.format(workspace_id=replica.workspace_id),
            params=call.params,
            headers={
                "Authorization": f"Bearer {self._tokens[replica.owner_clerk_user_id]}",
                **call.headers,
            },
        )
        if response.status_code not in (200, 304):
            raise RuntimeError(f"{call.widget}: {response.status_code} {response.text[:500]}")
        return response

    def close(self) -> None:
        self._client.close()


def _tokens(history: LandedHistory, replicas: list[Replica]) -> dict[str, str]:
    """A session token per workspace owner, minted by the Clerk simulator."""
    sessions = {
        merchant.clerk_user_id: merchant.clerk_session_id for merchant in history.world.merchants
    }
    tokens = {}
    for owner in {replica.owner_clerk_user_id for replica in replicas}:
        response = httpx.post(
            f"{history.template.clerk_issuer}/v1/sessions/{sessions[owner]}/tokens",
            params={"expires_in_seconds": TOKEN_LIFETIME_SECONDS},
        )
        response.raise_for_status()
        tokens[owner] = response.json()["jwt"]
    return tokens


def _served_paths(server: ApiServer) -> set[str]:
    """The API's route templates, from its OpenAPI document."""
    document = httpx.get(f"{server.base_url}/openapi.json", timeout=30).json()
    return set(document["paths"])


def _dashboard_call(report_range: ReportRange, headers: dict[str, str] | None = None) -> Call:
    return Call(
        "dashboard",
        "/v1/workspaces/{workspace_id}/dashboard",
        {"range": report_range.value, "compare": "previous_period"},
        headers or {},
    )


def _dashboard_visit(report_range: ReportRange) -> Visit:
    call = _dashboard_call(report_range)

    def visit(browser: Browser, replica: Replica) -> bool:
        browser.get(replica, call)
        return True

    return visit


def _etag_visit(browser: Browser, report_range: ReportRange, order: list[Replica]) -> Visit | None:
    """The dashboard asked again with the ETag each workspace's answer came with; None when the
    API sends none."""
    etags = {
        replica.workspace_id: browser.get(replica, _dashboard_call(report_range)).headers.get(
            "etag"
        )
        for replica in order
    }

    def visit(browser: Browser, replica: Replica) -> bool:
        etag = etags[replica.workspace_id]
        response = browser.get(
            replica, _dashboard_call(report_range, {"If-None-Match": etag or ""})
        )
        if response.status_code == 304:
            return True
        # The answer changed: a 15-minute window closed (today's chart, freshness) or the
        # cache was dropped. Keep its new ETag; this request is no hit.
        etags[replica.workspace_id] = response.headers.get("etag")
        return False

    return visit if all(etags.values()) else None


def _baseline_visit(report_range: ReportRange, served: set[str]) -> tuple[Visit, list[str]]:
    """A page load made of per-widget calls (those the API serves), one after another; returns
    it and the widgets it fetches."""
    widgets = [call.widget for call in _baseline_calls(report_range, "UTC") if call.path in served]

    def visit(browser: Browser, replica: Replica) -> bool:
        for call in _baseline_calls(report_range, replica.timezone):
            if call.path in served:
                browser.get(replica, call)
        return True

    return visit, widgets


def _baseline_calls(report_range: ReportRange, timezone: str) -> list[Call]:
    """The dashboard's content as a page built from per-widget routes would fetch it: the
    browser works out the previous period's days itself, in the workspace's timezone."""
    today = datetime.now(ZoneInfo(timezone)).date()
    previous = resolve_range(report_range, today).previous()
    in_range = {"range": report_range.value}
    before = {
        "range": ReportRange.CUSTOM.value,
        "from": str(previous.start),
        "to": str(previous.end),
    }
    kpis = ",".join(kpi.metric_for(_MODEL) for kpi in KPIS)
    attributed = _MODEL.metric("attributed_revenue")
    metrics = "/v1/workspaces/{workspace_id}/metrics"
    # A day's chart is the metric snapshots' 15-minute captures, as the dashboard draws it.
    chart = (
        {"metrics": "spend_day_to_date", "group_by": f"{_CAPTURED_AT},{_SNAPSHOT_PROVIDER}"}
        if report_range is ReportRange.TODAY
        else {"metrics": "spend,revenue", "grain": "day"}
    )
    return [
        Call("workspace", "/v1/workspaces"),
        Call("kpis", metrics, {"metrics": kpis, **in_range}),
        Call("kpis_previous", metrics, {"metrics": kpis, **before}),
        Call("chart", metrics, {**chart, **in_range}),
        Call("spend_mix", metrics, {"metrics": "spend", "group_by": ADS_PROVIDER, **in_range}),
        Call(
            "attribution",
            metrics,
            {"metrics": attributed, "group_by": _ATTRIBUTION_GROUPS, **in_range},
        ),
        Call(
            "top_campaigns",
            "/v1/workspaces/{workspace_id}/campaigns",
            {"level": "campaign", "sort": "-spend", "limit": "10", **in_range},
        ),
        Call("freshness", "/v1/workspaces/{workspace_id}/freshness"),
    ]
