"""The merchant web app on the demo: the dashboard page's time from navigation to its KPIs
drawn, in Debian's Chromium against the API as deployed, and the JavaScript it ships, gzipped.

The demo's recent hours are landed and built first, so `today` has data; the browser starts
signed in (the session token in its storage, as the sign-in leaves it). `cold` is the first
visit (no HTTP cache, the API's answer not kept yet); `warm` the median of the visits after it.
"""

from __future__ import annotations

import gzip
import re
import statistics
from pathlib import Path

from dagster import DagsterInstance
from playwright.sync_api import sync_playwright

from bench.api_server import serve_api
from bench.environments import bench_settings
from bench.report import emit
from orchestration.definitions import build_definitions
from simulator.server import SimulatorServer
from simulator.world import World
from stack.demo import mint_demo_token, recent_range, run_pipeline, seed_demo_workspaces
from stack.web import WEB_DIST, chromium_executable, ensure_built

HOURS = 2
WARM_VISITS = 10
TARGET_SECONDS = 1.0
TARGET_GZIP_KB = 250
# The app marks the moment its KPI cards are committed to the page (DashboardPage.tsx).
KPIS_DRAWN_MARK = "metricx:kpis-drawn"
# The entry script and the chunks Vite preloads with it.
_INDEX_SCRIPTS = re.compile(
    r'<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="([^"]+\.js)"'
)


def _gzipped(paths: list[Path]) -> float:
    return sum(len(gzip.compress(path.read_bytes(), 9)) for path in paths) / 1000


def run(backend: str) -> None:
    ensure_built()
    javascript = sorted(WEB_DIST.glob("assets/*.js"))
    emit(
        "web.js_gzip",
        _gzipped(javascript),
        "kB",
        backend=backend,
        files=len(javascript),
        target_kb=TARGET_GZIP_KB,
    )
    # What a visit downloads before drawing: the scripts index.html names. Lazy chunks (Clerk's
    # SDK, fetched only when a publishable key is configured) are counted above, not here.
    index = (WEB_DIST / "index.html").read_text()
    initial = sorted({WEB_DIST / src.lstrip("/") for src in _INDEX_SCRIPTS.findall(index)})
    emit(
        "web.js_gzip_initial",
        _gzipped(initial),
        "kB",
        backend=backend,
        files=len(initial),
        target_kb=TARGET_GZIP_KB,
    )

    world = World(merchants=2)
    with (
        SimulatorServer(world) as simulator,
        bench_settings(backend, simulator.base_url) as settings,
    ):
        workspace_ids = seed_demo_workspaces(settings, world)
        with DagsterInstance.ephemeral() as instance:
            result = run_pipeline(build_definitions(settings), instance, recent_range(HOURS))
            if not result.success:
                raise RuntimeError(result.failure())
        merchant = world.merchants[0]
        token = mint_demo_token(simulator.base_url, merchant.clerk_session_id, 3600)
        with serve_api(settings) as api, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_executable())
            context = browser.new_context()
            context.add_init_script(f"sessionStorage.setItem('metricx.session_token', {token!r})")
            page = context.new_page()
            url = f"{api.base_url}/workspaces/{workspace_ids[merchant.slug]}/dashboard?range=today"
            drawn = []
            for _ in range(1 + WARM_VISITS):
                page.goto(url)
                page.wait_for_function(
                    f"performance.getEntriesByName({KPIS_DRAWN_MARK!r}).length > 0"
                )
                drawn.append(
                    page.evaluate(f"performance.getEntriesByName({KPIS_DRAWN_MARK!r})[0].startTime")
                    / 1000
                )
            browser.close()
    parameters = {"hours": HOURS, "target_s": TARGET_SECONDS}
    emit("web.dashboard_kpis_drawn_cold", drawn[0], "s", backend=backend, **parameters)
    emit(
        "web.dashboard_kpis_drawn_warm_p50",
        statistics.median(drawn[1:]),
        "s",
        backend=backend,
        visits=WARM_VISITS,
        **parameters,
    )
