"""What the browser tests share: the API (with the built web app) on a real port, and Debian's
Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page

from metricx.settings import PROJECT_ROOT, Settings
from stack.web import WEB_DIR, ensure_built
from tests.helpers import served_api

# The screenshots of every page the browser tests open, one PNG per page and step.
SCREENSHOTS = PROJECT_ROOT / "test-output" / "web-screenshots"
# axe-core, from the web app's dev packages (npm ci installs it).
AXE_SCRIPT = WEB_DIR / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA: contrast, names, labels, structure.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@contextmanager
def serve_web_app(settings: Settings) -> Iterator[str]:
    """The API serving the freshly built web app at `/`, on a free port; yields its base URL,
    which is also where the platforms send the browser back (its OAuth callbacks)."""
    ensure_built()
    with served_api(settings) as base_url:
        yield base_url


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


def assert_accessible(page: Page, name: str) -> None:
    """axe-core's WCAG A and AA checks over the page as drawn now: no serious or critical
    violation (colour contrast, missing names and labels, broken structure)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    violations = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not violations, f"{name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in violations
    )
