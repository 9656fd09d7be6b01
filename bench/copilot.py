"""The copilot's speed (issue #15, "Speed"): `intent` latency without a model, and the time to
the first `answer` event of `ask`, with the simulated Claude and without a model.

The demo merchants' landed history (bench/history.py) trimmed to DAYS, built by dbt and
published as the pipeline publishes (`intent` reads no warehouse, `ask` does). The API runs as
deployed (one uvicorn worker over real HTTP), without ANTHROPIC_API_KEY and with Claude at the
simulator (its Anthropic Messages API on loopback: that figure is the copilot's own work plus
two local model round trips, not Claude's latency). Questions are a fixed mix of the evaluation
set's kinds, each asked of both workspaces once as a warm-up, then timed one at a time.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx

from bench.api_server import ApiServer, serve_api
from bench.history import DAYS as HISTORY_DAYS
from bench.history import DbtCommands, day_vars, landed_history, warehouse_copy
from bench.report import emit
from orchestration.defs.dbt.project import BUILD_COMMAND
from orchestration.lib.windows import WINDOW
from simulator.world import World
from warehouse.connection import open_warehouse
from warehouse.serving import publish_marts

DAYS = min(7, HISTORY_DAYS)
INTENT_REQUESTS = 200
ASK_REQUESTS = 40
TARGET_INTENT_P50_MS = 50.0
TOKEN_LIFETIME_SECONDS = 3600
QUESTIONS = (
    "what was my ROAS on Meta last week vs the week before?",
    "spend by platform yesterday",
    "top 5 campaigns by spend last 7 days",
    "revenue, orders and AOV this month",
    "daily clicks and CTR over the past week",
    "how many purchses last month",
    "write me a poem",
)
ASK_QUESTIONS = (
    "spend by platform last 7 days",
    "top 3 campaigns by spend last 7 days",
    "revenue and orders last 7 days vs the period before",
)


def run(backend: str) -> None:
    history = landed_history(backend)
    with (
        warehouse_copy(history, DAYS) as settings,
        tempfile.TemporaryDirectory(prefix="metricx-bench-dbt-") as folder,
    ):
        DbtCommands(settings, Path(folder)).run(
            *BUILD_COMMAND,
            dbt_vars=day_vars(history.end - timedelta(days=DAYS), history.end - WINDOW),
        )
        warehouse = open_warehouse(settings.warehouse_url)
        try:
            publish_marts(warehouse)
        finally:
            warehouse.close()
        headers = _headers(history.world, history.template.clerk_issuer)
        with serve_api(settings) as server:
            workspaces = _workspaces(server, headers)
            _time_intent(server, workspaces, backend)
            _time_first_answer(server, workspaces, backend, model="none")
        simulated_claude = {
            "ANTHROPIC_API_KEY": "sk-sim",
            "ANTHROPIC_BASE_URL": f"{history.template.clerk_issuer.removesuffix('/clerk')}"
            "/anthropic",
        }
        with serve_api(settings, simulated_claude) as server:
            _time_first_answer(server, workspaces, backend, model="simulated")


def _headers(world: World, clerk_issuer: str) -> list[dict[str, str]]:
    headers = []
    for merchant in world.merchants:
        response = httpx.post(
            f"{clerk_issuer}/v1/sessions/{merchant.clerk_session_id}/tokens",
            params={"expires_in_seconds": TOKEN_LIFETIME_SECONDS},
        )
        response.raise_for_status()
        headers.append({"Authorization": f"Bearer {response.json()['jwt']}"})
    return headers


def _workspaces(server: ApiServer, headers: list[dict[str, str]]) -> list[tuple[str, dict]]:
    """(workspace id, its owner's headers) of each merchant."""
    pairs: list[tuple[str, dict]] = []
    for owner in headers:
        body = httpx.get(f"{server.base_url}/v1/workspaces", headers=owner, timeout=30).json()
        pairs.extend((workspace["id"], owner) for workspace in body["workspaces"])
    return pairs


def _time_intent(server: ApiServer, workspaces: list[tuple[str, dict]], backend: str) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:

        def ask(index: int) -> float:
            workspace_id, headers = workspaces[index % len(workspaces)]
            started = time.perf_counter()
            response = client.post(
                f"/v1/workspaces/{workspace_id}/copilot/intent",
                json={"question": QUESTIONS[index % len(QUESTIONS)]},
                headers=headers,
            )
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            return elapsed

        for index in range(len(QUESTIONS) * len(workspaces)):
            ask(index)
        latencies = [ask(index) for index in range(INTENT_REQUESTS)]
    _emit_quantiles("copilot.intent", latencies, backend, model="none", target=TARGET_INTENT_P50_MS)


def _time_first_answer(
    server: ApiServer, workspaces: list[tuple[str, dict]], backend: str, model: str
) -> None:
    with httpx.Client(base_url=server.base_url, timeout=60) as client:

        def ask(index: int) -> float:
            workspace_id, headers = workspaces[index % len(workspaces)]
            started = time.perf_counter()
            with client.stream(
                "POST",
                f"/v1/workspaces/{workspace_id}/copilot/ask",
                json={"question": ASK_QUESTIONS[index % len(ASK_QUESTIONS)]},
                headers=headers,
            ) as response:
                response.raise_for_status()
                first = None
                lines = response.iter_lines()
                for line in lines:
                    if line == "event: intent":
                        # Who understood: the figure is only the model's if the model did.
                        source = json.loads(next(lines).removeprefix("data: "))["source"]
                        if source != ("parser" if model == "none" else "model"):
                            raise RuntimeError(f"the {source} understood, not the {model} model")
                    if first is None and line == "event: answer":
                        first = time.perf_counter() - started
                    if line.startswith("event: error"):
                        raise RuntimeError(f"the copilot answered an error: {next(lines)}")
            if first is None:
                raise RuntimeError("no answer event")
            return first

        for index in range(len(ASK_QUESTIONS) * len(workspaces)):
            ask(index)
        latencies = [ask(index) for index in range(ASK_REQUESTS)]
    _emit_quantiles("copilot.first_answer", latencies, backend, model=model, target=None)


def _emit_quantiles(
    name: str, seconds: list[float], backend: str, *, model: str, target: float | None
) -> None:
    cuts = statistics.quantiles(seconds, n=100)
    for quantile, value in (("p50", statistics.median(seconds)), ("p95", cuts[94])):
        emit(
            f"{name}.{quantile}_ms",
            value * 1000,
            "ms",
            backend=backend,
            requests=len(seconds),
            model=model,
            days=DAYS,
            **({"target": target} if target is not None and quantile == "p50" else {}),
        )
