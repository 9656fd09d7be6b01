"""What the browser tests share: the API (with the built web app) on a real port, and Debian's
Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from metricx.settings import PROJECT_ROOT, Settings
from stack.web import ensure_built
from tests.helpers import served_api

# The screenshots of every page the browser tests open, one PNG per page and step.
SCREENSHOTS = PROJECT_ROOT / "test-output" / "web-screenshots"


@contextmanager
def serve_web_app(settings: Settings) -> Iterator[str]:
    """The API serving the freshly built web app at `/`, on a free port; yields its base URL."""
    ensure_built()
    with served_api(settings) as base_url:
        yield base_url


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
