"""The merchant web app (`web/`): its OpenAPI document, and its build for the API to serve.

`python -m stack.web openapi` rewrites `web/openapi.json` from the app's routes; `npm run
generate:api` (in `web/`) does that and regenerates the typed client's `src/api/schema.d.ts`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from metricx.settings import PROJECT_ROOT, Settings

WEB_DIR = PROJECT_ROOT / "web"
WEB_DIST = WEB_DIR / "dist"
OPENAPI_FILE = WEB_DIR / "openapi.json"
# What the build reads: a change to any of them makes `web/dist` stale.
_BUILD_INPUTS = ("src", "index.html", "package-lock.json", "vite.config.ts", "tsconfig.json")


def openapi_document() -> str:
    """The API's OpenAPI document as committed in `web/openapi.json`."""
    from api.main import create_app

    # Without its lifespan running the app needs no resources: the issuer is a placeholder.
    app = create_app(Settings(clerk_issuer="http://clerk.invalid"), web_dist=None)
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"


def _newest_input() -> float:
    newest = 0.0
    for name in _BUILD_INPUTS:
        path = WEB_DIR / name
        files = path.rglob("*") if path.is_dir() else [path]
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    return newest


def build_is_stale() -> bool:
    index = WEB_DIST / "index.html"
    return not index.exists() or index.stat().st_mtime < _newest_input()


def chromium_executable() -> str:
    """Debian's Chromium (`apt-get install chromium`), which the browser tests and the web
    benchmark drive: Playwright's own browser download is not possible here."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError("Chromium is not installed: `apt-get install -y chromium` (.ci/run)")
    return path


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed: the web app needs Node.js 20.19+ and npm")
    return npm


def install_packages(say: Callable[[str], None] | None = None) -> None:
    """`npm ci` when `node_modules` is missing or older than the lock file."""
    lock = WEB_DIR / "package-lock.json"
    installed = WEB_DIR / "node_modules" / ".package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    if say:
        say("installing the web app's packages (npm ci)")
    subprocess.run(
        [_npm(), "ci", "--no-audit", "--no-fund"], cwd=WEB_DIR, check=True, stdout=sys.stderr
    )


def ensure_built(say: Callable[[str], None] | None = None) -> None:
    """Build `web/dist` unless it is newer than everything the build reads."""
    if not build_is_stale():
        return
    install_packages(say)
    if say:
        say("building the web app (npm run build)")
    subprocess.run([_npm(), "run", "build"], cwd=WEB_DIR, check=True, stdout=sys.stderr)


if __name__ == "__main__":
    if sys.argv[1:] != ["openapi"]:
        sys.exit("usage: python -m stack.web openapi")
    Path(OPENAPI_FILE).write_text(openapi_document())
