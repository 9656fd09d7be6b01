"""`metricx` command line: the demo (the main job), and the API and simulator on their own."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from metricx.logs import configure_logging
from metricx.settings import PROJECT_ROOT, Settings, get_settings
from orchestration.defs.dbt.project import prepare_dbt_manifest
from orchestration.event_bookkeeping import apply_event_bookkeeping
from stack.api_server import serve_api
from stack.simulated import simulated_platforms_env
from warehouse.url import parse_warehouse_url

DEMO_TOKEN_LIFETIME_SECONDS = 7 * 24 * 3600
logger = logging.getLogger(__name__)
DEPLOY_DIR = PROJECT_ROOT / "orchestration" / "deploy"
API_PORT = 8000
DAGSTER_PORT = 3000
SIMULATOR_PORT = 8900
DEMO_MERCHANTS = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="metricx", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    # Each option's help ends with its default, written once: where the option is declared.
    defaults_shown = argparse.ArgumentDefaultsHelpFormatter

    demo_summary = (
        "Start the simulated platforms, run the pipeline for the demo merchants, then "
        f"serve the web app and the API (:{API_PORT}) and the Dagster UI (:{DAGSTER_PORT})."
    )
    demo = commands.add_parser(
        "demo", help=demo_summary, description=demo_summary, formatter_class=defaults_shown
    )
    demo.add_argument(
        "--once", action="store_true", help="Exit after the pipeline run instead of serving."
    )
    demo.add_argument(
        "--hours", type=float, default=24, help="Hours of 15-minute windows up to now to run."
    )
    demo.add_argument(
        "--merchants", type=int, default=DEMO_MERCHANTS, help="Simulated merchants to seed."
    )
    demo.add_argument(
        "--simulator-port",
        type=int,
        default=SIMULATOR_PORT,
        help="Port of the simulated platforms (with --once: any free port).",
    )
    demo.add_argument("--api-port", type=int, default=API_PORT, help="Port of the API.")
    demo.add_argument(
        "--dagster-port", type=int, default=DAGSTER_PORT, help="Port of the Dagster UI."
    )

    api = commands.add_parser(
        "api", help="Serve the API.", description="Serve the API.", formatter_class=defaults_shown
    )
    api.add_argument("--host", default="127.0.0.1", help="Interface to listen on.")
    api.add_argument("--port", type=int, default=API_PORT, help="Port to listen on.")

    simulator = commands.add_parser(
        "simulator",
        help="Serve the simulated platforms.",
        description="Serve the simulated Meta, Google Ads, Shopify and Clerk APIs.",
        formatter_class=defaults_shown,
    )
    simulator.add_argument(
        "--port", type=int, default=SIMULATOR_PORT, help="Port to listen on (127.0.0.1)."
    )
    simulator.add_argument(
        "--merchants", type=int, default=DEMO_MERCHANTS, help="Simulated merchants to serve."
    )

    commands.add_parser("migrate", help="Upgrade the app database to the latest schema.")
    repair_summary = (
        "Reconcile the app database's users with Clerk's user list (after lost webhooks); "
        "prints the counts as JSON. Idempotent."
    )
    commands.add_parser("clerk-repair", help=repair_summary, description=repair_summary)

    args = parser.parse_args(argv)
    if args.command == "demo":
        # Someone watches the demo in a terminal; deployed services keep JSON for their log
        # collector. The environment carries the choice to the Dagster UI and its runs.
        os.environ.setdefault("METRICX_LOG_FORMAT", "text")
        get_settings.cache_clear()
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    if args.command == "demo":
        return _demo(args)
    if args.command == "api":
        serve_api(args.host, args.port)
        return 0
    if args.command == "simulator":
        from simulator.server import serve
        from simulator.world import World

        serve(World(merchants=args.merchants), "127.0.0.1", args.port)
        return 0
    if args.command == "migrate":
        from warehouse.appdb.migrate import upgrade

        upgrade(settings.app_database_url)
    if args.command == "clerk-repair":
        return _clerk_repair(settings)
    return 0


def _clerk_repair(settings: Settings) -> int:
    from dataclasses import asdict

    from warehouse.appdb.accounts import repair_users
    from warehouse.appdb.clerk_api import ClerkBackend, ClerkUnavailable
    from warehouse.appdb.session import open_session

    clerk = ClerkBackend(settings.clerk_api_url, settings.clerk_secret_key)
    try:
        with open_session(settings.app_database_url) as session:
            counts = repair_users(session, clerk)
            session.commit()
    except ClerkUnavailable as error:
        print(
            f"metricx: {error} (METRICX_CLERK_API_URL, METRICX_CLERK_SECRET_KEY)", file=sys.stderr
        )
        return 1
    finally:
        clerk.close()
    print(json.dumps(asdict(counts)))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from simulator.server import SimulatorServer
    from simulator.world import World

    # The runs below and the `dagster dev` started after them store run events: they need
    # Dagster's batched bookkeeping (the UI's runs inherit it from this environment).
    apply_event_bookkeeping()
    # The code location's dbt assets read the manifest, here and in the `dagster dev` started
    # below: a fresh clone has none.
    prepare_dbt_manifest()
    world = World(merchants=args.merchants)
    port = 0 if args.once else args.simulator_port
    with SimulatorServer(world, port=port) as simulator:
        # Everything started from here on (this process, the API, the Dagster UI and the runs
        # it launches) talks to the simulated platforms instead of the real hosts.
        os.environ.update(simulated_platforms_env(simulator.base_url))
        # The token printed below lives a week, for curl; the API must accept it.
        os.environ.setdefault(
            "METRICX_CLERK_MAX_TOKEN_LIFETIME_SECONDS", str(DEMO_TOKEN_LIFETIME_SECONDS)
        )
        os.environ.setdefault("DAGSTER_HOME", str(get_settings().dagster_home))
        get_settings.cache_clear()
        settings = get_settings()
        _prepare_dagster_home(Path(os.environ["DAGSTER_HOME"]), settings.warehouse_url)

        from dagster import DagsterInstance

        from orchestration.definitions import build_definitions
        from stack.demo import (
            mint_demo_token,
            recent_range,
            replay_pixel_traffic,
            run_pipeline,
        )
        from stack.onboarding import onboard_demo_merchants

        try:
            workspace_ids = onboard_demo_merchants(settings, world, simulator.base_url)
        except Exception as error:
            return _stage_failed(
                "onboarding",
                error,
                look_at="the traceback above; the app database (METRICX_APP_DATABASE_URL) must "
                "be reachable, the credentials key (METRICX_SECRET_KEY or data/) readable, and "
                "each merchant's OAuth flows (api/connections) must pass against the simulator",
            )
        demo_range = recent_range(args.hours)
        _say(
            f"running the pipeline for {len(workspace_ids)} merchants over "
            f"{demo_range.windows} windows ({demo_range.start:%Y-%m-%d %H:%M} → "
            f"{demo_range.end:%Y-%m-%d %H:%M} UTC) on {settings.warehouse_url}"
        )
        # The shops' storefront traffic of the range reaches the pixel intake before the
        # pipeline lands it, as it would have in real time.
        try:
            events = replay_pixel_traffic(settings, world, demo_range, progress=_say)
        except Exception as error:
            return _stage_failed(
                "pixel replay",
                error,
                look_at="the traceback above: the pixel intake (api/pixel) refused a batch "
                "or the simulated shop failed",
            )
        _say(f"{events} storefront pixel events received.")
        with DagsterInstance.get() as instance:
            failure = run_pipeline(build_definitions(settings), instance, demo_range).failure()
        if failure is not None:
            print(failure, file=sys.stderr)
            return 1
        _say("pipeline complete.")
        if args.once:
            return 0

        web_app_built = _build_web_app()
        merchant = world.merchants[0]
        token = mint_demo_token(
            simulator.base_url, merchant.clerk_session_id, DEMO_TOKEN_LIFETIME_SECONDS
        )
        dagster_ui = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("dagster")),
                "dev",
                "-w",
                str(PROJECT_ROOT / "workspace.yaml"),
                "-h",
                "127.0.0.1",
                "-p",
                str(args.dagster_port),
            ],
            cwd=PROJECT_ROOT,
        )
        api_url = f"http://127.0.0.1:{args.api_port}"
        spend_url = f"{api_url}/v1/workspaces/{workspace_ids[merchant.slug]}/spend/daily"
        app_line = (
            f"  App         {api_url}/  (sign in as {merchant.email})\n"
            if web_app_built
            else "  App         not built (see above); the API alone is served\n"
        )
        print(
            "\n"
            f"{app_line}"
            f"  API         {api_url}/docs\n"
            f"  Dagster UI  http://127.0.0.1:{args.dagster_port}\n"
            f"  Simulator   {simulator.base_url}\n\n"
            f"  A token for {merchant.email}, valid 7 days:\n\n"
            f"  export TOKEN={token}\n"
            f'  curl -H "Authorization: Bearer $TOKEN" {spend_url}\n',
            flush=True,
        )
        try:
            serve_api("127.0.0.1", args.api_port)
        finally:
            dagster_ui.terminate()
            dagster_ui.wait(timeout=30)
    return 0


def _build_web_app() -> bool:
    """Build the merchant web app when its build is stale; the API serves it at `/`."""
    from stack.web import ensure_built

    try:
        ensure_built(say=_say)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as error:
        print(f"metricx: the web app was not built: {error}", file=sys.stderr)
        return False
    return True


def _say(message: str) -> None:
    print(f"metricx: {message}", flush=True)


def _stage_failed(stage: str, error: Exception, *, look_at: str) -> int:
    from stack.demo import first_line, stage_failure_message

    logger.error("the demo's %s failed", stage, exc_info=error)
    cause = f"{type(error).__name__}: {first_line(str(error))}"
    print(stage_failure_message(stage, cause=cause, look_at=look_at), file=sys.stderr)
    return 1


def _prepare_dagster_home(dagster_home: Path, warehouse_url: str) -> None:
    """Give a new DuckDB deployment's instance its one-writer pool limit."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    instance_yaml = dagster_home / "dagster.yaml"
    if not instance_yaml.exists() and parse_warehouse_url(warehouse_url).backend == "duckdb":
        shutil.copy(DEPLOY_DIR / "dagster.duckdb.yaml", instance_yaml)


if __name__ == "__main__":
    sys.exit(main())
