"""The copilot page in Debian's Chromium against the API on the session's pipeline run, with
Claude at the simulator: a question's answer streams in (its text is drawn before the stream's
`done`), the rows behind it are the marts', a follow-up continues the conversation, and the
conversation is listed, reopened and deleted. Screenshots go to test-output/web-screenshots/.

DuckDB only: the page reads the same API answers on both backends.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from stack.demo import mint_demo_token
from stack.web import chromium_executable
from tests.pipeline.conftest import PipelineRun
from tests.web.browser import screenshot_path, serve_web_app

pytestmark = pytest.mark.parametrize("pipeline_run", ["duckdb"], indirect=True, scope="session")

# A fresh API compiles its semantic-layer queries on first use: seconds on a busy 2-core machine.
LOAD_TIMEOUT_MS = 30_000
CENT = Decimal("0.01")

# Records, in the page, every state the newest answer is drawn in: (turn status, answer text).
# `data-status` turns `done` only when the stream's `done` event has been read.
WATCH_ANSWER = """() => {
  window.__answerStates = [];
  new MutationObserver(() => {
    const turns = document.querySelectorAll('[data-testid="copilot-turn"]');
    const turn = turns[turns.length - 1];
    if (!turn) return;
    const text = turn.querySelector('[data-testid="copilot-answer"]').textContent;
    window.__answerStates.push([turn.dataset.status, text]);
  }).observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true,
  });
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=LOAD_TIMEOUT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_executable())
        yield launched
        launched.close()


@pytest.fixture
def app_url(pipeline_run: PipelineRun) -> Iterator[str]:
    assert pipeline_run.succeeded
    settings = pipeline_run.settings.model_copy(
        update={
            "anthropic_api_key": "sk-sim",
            "anthropic_base_url": f"{pipeline_run.simulator_url}/anthropic",
            # Pieces a quarter second apart, as a long answer's: at full speed a busy browser may
            # draw the whole answer in one frame, and the page's streaming could not be seen.
            "copilot_model": "claude-slow-answers",
        }
    )
    with serve_web_app(settings) as url:
        yield url


def _days(run: PipelineRun) -> tuple[date, date]:
    row = run.read(
        "SELECT min(workspace_date_day) AS first, max(workspace_date_day) AS last"
        " FROM marts.fct_ad_reporting_hourly"
    )[0]
    return row["first"], row["last"]


def _spend_by_platform(
    run: PipelineRun, workspace_id: str, first: date, last: date
) -> dict[str, Decimal]:
    rows = run.read(
        "SELECT platform, sum(spend_workspace_currency) AS spend"
        " FROM marts.fct_ad_reporting_hourly WHERE workspace_id = :w"
        " AND workspace_date_day BETWEEN :first AND :last GROUP BY platform",
        {"w": workspace_id, "first": first, "last": last},
    )
    return {row["platform"]: Decimal(str(row["spend"])).quantize(CENT) for row in rows}


def _drawn_spend(turn: Locator) -> list[tuple[str, Decimal]]:
    """The rows table of `turn`, opened: each row's first cell and its spend as the page holds
    it."""
    rows = turn.get_by_test_id("copilot-rows")
    rows.locator("summary").click()
    drawn = []
    for row in rows.locator("tbody tr").all():
        spend = row.locator('td[data-metric="spend"]').get_attribute("data-value")
        drawn.append((row.locator("td").first.inner_text(), Decimal(spend or "")))
    return drawn


def _ask(page: Page, question: str) -> list[tuple[str, str]]:
    """Ask by the keyboard; the states the answer was drawn in until the stream's `done`."""
    page.evaluate(WATCH_ANSWER)
    box = page.get_by_label("Ask a question")
    box.fill(question)
    box.press("Enter")
    turn = page.get_by_test_id("copilot-turn").last
    expect(turn).to_have_attribute("data-status", "done")
    return [tuple(state) for state in page.evaluate("window.__answerStates")]


def test_a_merchant_asks_the_copilot_follows_up_and_keeps_the_conversation(
    pipeline_run: PipelineRun, app_url: str, browser: Browser
) -> None:
    merchant = pipeline_run.world.merchants[0]
    workspace_id = pipeline_run.workspace_ids[merchant.slug]
    first, last = _days(pipeline_run)
    token = mint_demo_token(pipeline_run.simulator_url, merchant.clerk_session_id, 900)
    # Other tests of the session ask as this merchant too: start without conversations.
    conversations = f"{app_url}/v1/workspaces/{workspace_id}/copilot/conversations"
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.delete(conversations, headers=headers).status_code == 204
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.add_init_script(f"sessionStorage.setItem('metricx.session_token', {token!r})")
    page = context.new_page()

    page.goto(f"{app_url}/workspaces/{workspace_id}/dashboard")
    page.get_by_role("link", name="Copilot").click()
    expect(page.get_by_role("heading", name="Copilot")).to_be_visible()
    expect(page.get_by_test_id("copilot-empty")).to_be_visible()
    expect(page.get_by_text("No conversations yet.")).to_be_visible()
    page.screenshot(path=screenshot_path("copilot-empty"), full_page=True)

    # The answer streams: its text is on the page, growing, before the stream says `done`.
    states = _ask(page, f"spend by platform from {first} to {last}")
    streamed = [text for status, text in states if status == "streaming" and text.strip()]
    assert streamed, states
    assert len(set(streamed)) >= 2, f"the answer was drawn whole, not as it arrived: {states}"
    turn = page.get_by_test_id("copilot-turn").last
    answer = turn.get_by_test_id("copilot-answer").inner_text()
    assert all(answer.startswith(text) for text in streamed)
    expect(page).to_have_url(re.compile(r"[?&]conversation=[^&]+"))
    conversation_id = re.search(r"conversation=([^&]+)", page.url).group(1)  # type: ignore[union-attr]

    # Under it, the query it read and the rows behind it: the marts' spend per platform.
    query = turn.get_by_test_id("copilot-query")
    expect(query).to_contain_text("Spend")
    expect(query).to_contain_text("Broken down byPlatform")
    expected = _spend_by_platform(pipeline_run, workspace_id, first, last)
    labels = {"meta_ads": "Meta", "google_ads": "Google"}
    assert dict(_drawn_spend(turn)) == {labels[p]: spend for p, spend in expected.items()}
    page.screenshot(path=screenshot_path("copilot"), full_page=True)

    # A second question in the conversation: the same days, Google only. (The simulated Claude
    # knows no follow-ups; the parser's, which edit the previous query, are in tests/copilot.)
    _ask(page, f"spend on Google from {first} to {last}")
    assert re.search(r"conversation=([^&]+)", page.url).group(1) == conversation_id  # type: ignore[union-attr]
    follow_up = page.get_by_test_id("copilot-turn").last
    expect(follow_up.get_by_test_id("copilot-query")).to_contain_text("Platform: Google")
    # One row, no breakdown any more: Google's spend.
    assert [spend for _, spend in _drawn_spend(follow_up)] == [expected["google_ads"]]
    expect(page.get_by_test_id("copilot-turn")).to_have_count(2)
    page.screenshot(path=screenshot_path("copilot-follow-up"), full_page=True)

    # Phone width: nothing cut off sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("document.documentElement.scrollWidth <= 390")
    page.screenshot(path=screenshot_path("copilot-phone"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The conversation is in the history: a new one starts empty, the old one reopens.
    history = page.get_by_test_id("copilot-history")
    listed = history.get_by_role("link")
    expect(listed).to_have_count(1)
    page.get_by_role("button", name="New", exact=True).click()
    expect(page.get_by_test_id("copilot-empty")).to_be_visible()
    listed.first.click()
    expect(page).to_have_url(re.compile(rf"conversation={conversation_id}"))
    turns = page.get_by_test_id("copilot-turn")
    expect(turns).to_have_count(2)
    expect(turns.first.get_by_test_id("copilot-answer")).to_have_text(answer)

    # Deleted, the conversation is gone from the history and from the API.
    history.get_by_role("button", name=re.compile(r"^Delete conversation")).click()
    expect(page.get_by_text("No conversations yet.")).to_be_visible()
    expect(page.get_by_test_id("copilot-empty")).to_be_visible()
    gone = httpx.get(f"{conversations}/{conversation_id}", headers=headers)
    assert gone.status_code == 404
    context.close()
