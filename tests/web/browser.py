"""What the browser tests share: the API (with the built web app) on a real port, and Debian's
Chromium driven by Playwright."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from api.main import create_app
from metricx.settings import PROJECT_ROOT, Settings
from stack.web import ensure_built

# The screenshots of every page the browser tests open, one PNG per page and step.
SCREENSHOTS = PROJECT_ROOT / "test-output" / "web-screenshots"


@contextmanager
def serve_web_app(settings: Settings) -> Iterator[str]:
    """The API serving the freshly built web app at `/`, on a free port; yields its base URL."""
    ensure_built()
    with serve_api(create_app(settings)) as url:
        yield url


@contextmanager
def serve_api(app: ASGIApp) -> Iterator[str]:
    """`app` (the API, or the API behind a test's wrapper) on a free port; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
