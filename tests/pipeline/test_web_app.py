"""The merchant web app in Debian's Chromium against the API on the session's pipeline run:
sign in through the simulated Clerk, read the dashboard (its figures are the API's), switch the
range and the attribution model, open the campaigns and their ad sets, sign out. Every page
leaves a screenshot in test-output/web-screenshots/.

DuckDB only: the app reads the same API answers on both backends.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from stack.web import chromium_executable
from tests.helpers import RUN_RANGE
from tests.pipeline.conftest import PipelineRun
from tests.web.browser import screenshot_path, serve_web_app

pytestmark = pytest.mark.parametrize("pipeline_run", ["duckdb"], indirect=True, scope="session")

# How each KPI is drawn, and how far its drawn (rounded) figure may be from the API's.
KPI_PRECISION = {
    "net_revenue": Decimal("0.005"),
    "spend": Decimal("0.005"),
    "attributed_cpa": Decimal("0.005"),
    "aov": Decimal("0.005"),
    "new_customer_cac": Decimal("0.005"),
    "mer": Decimal("0.005"),
    "attributed_roas": Decimal("0.005"),
    "platform_roas": Decimal("0.005"),
    "orders": Decimal("0"),
    "new_customers": Decimal("0"),
    "platform_conversions": Decimal("0.05"),
}


# The first dashboard of a fresh API compiles its semantic-layer queries: seconds on a busy
# 2-core machine, past Playwright's 5 s default.
LOAD_TIMEOUT_MS = 30_000


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
    with serve_web_app(pipeline_run.settings) as url:
        yield url


def _api(app_url: str, run: PipelineRun, path: str, **params: str) -> dict[str, Any]:
    merchant = run.world.merchants[0]
    token = httpx.post(
        f"{run.simulator_url}/clerk/v1/sessions/{merchant.clerk_session_id}/tokens",
        params={"expires_in_seconds": 600},
    ).json()["jwt"]
    response = httpx.get(
        f"{app_url}{path}", params=params, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def _drawn_number(text: str) -> Decimal:
    """The figure of a drawn KPI in the en-US format the browser runs with ($1,234.56, 2.35×)."""
    return Decimal(re.sub(r"[^\d.\-]", "", text))


def _assert_kpis_are_the_apis(page: Page, dashboard: dict[str, Any]) -> int:
    compared = 0
    for key, precision in KPI_PRECISION.items():
        card = page.locator(f'[data-kpi="{key}"]')
        served = dashboard["kpis"][key]["value"]
        drawn = card.get_by_test_id("kpi-value").inner_text()
        if served is None:
            assert drawn == "—", key
            continue
        assert card.get_attribute("data-value") == str(served), key
        assert abs(_drawn_number(drawn) - Decimal(str(served))) <= precision, (key, drawn, served)
        compared += 1
    return compared


def _choose_days(page: Page, first: str, last: str) -> None:
    page.get_by_label("Range", exact=True).select_option("custom")
    page.get_by_label("From", exact=True).fill(first)
    page.get_by_label("To", exact=True).fill(last)
    page.get_by_role("button", name="Apply").click()
    # Drawn from the new answer: the previous one's figures are gone.
    expect(page.get_by_test_id("period")).to_have_attribute("data-period", f"{first}/{last}")


def test_a_merchant_signs_in_reads_the_dashboard_and_campaigns_and_signs_out(
    pipeline_run: PipelineRun, app_url: str, browser: Browser
) -> None:
    merchant = pipeline_run.world.merchants[0]
    workspace_id = pipeline_run.workspace_ids[merchant.slug]
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()

    # Signed out, any page of the app leads to the sign-in page, and back after it.
    page.goto(f"{app_url}/")
    expect(page).to_have_url(re.compile(r"/sign-in"))
    page.screenshot(path=screenshot_path("01-sign-in"), full_page=True)
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name=re.compile(merchant.name)).click()
    expect(page).to_have_url(re.compile(rf"/workspaces/{workspace_id}/dashboard$"))
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_test_id("kpis")).to_be_visible()

    # The run's days, on the workspace's calendar: every KPI is the API's for the same days.
    first = str(RUN_RANGE.start.date() - timedelta(days=1))
    last = str(RUN_RANGE.end.date())
    _choose_days(page, first, last)
    expect(page).to_have_url(re.compile(rf"range=custom&from={first}&to={last}"))
    expect(page.get_by_test_id("trend-chart")).to_have_attribute("data-granularity", "day")
    dashboard = _api(
        app_url,
        pipeline_run,
        f"/v1/workspaces/{workspace_id}/dashboard",
        range="custom",
        **{"from": first, "to": last},
    )
    assert _assert_kpis_are_the_apis(page, dashboard) >= 8
    expect(page.get_by_test_id("attribution-rate")).to_be_visible()
    # Each KPI's definition is the response's, shown on hover.
    page.locator('[data-kpi="mer"]').hover()
    expect(page.get_by_role("tooltip").filter(visible=True)).to_contain_text(
        dashboard["meta"]["definitions"]["mer"]["formula"]
    )
    page.screenshot(path=screenshot_path("02-dashboard-days"), full_page=True)

    # One day: the 15-minute chart; another attribution model: its attributed figures.
    _choose_days(page, last, last)
    expect(page.get_by_test_id("trend-chart")).to_have_attribute("data-granularity", "15m")
    page.get_by_label("Attribution model", exact=True).select_option("linear")
    expect(page).to_have_url(re.compile(r"model=linear"))
    linear = _api(
        app_url,
        pipeline_run,
        f"/v1/workspaces/{workspace_id}/dashboard",
        range="custom",
        attribution_model="linear",
        **{"from": last, "to": last},
    )
    expect(page.locator('[data-kpi="attributed_roas"]')).to_have_attribute(
        "data-value", str(linear["kpis"]["attributed_roas"]["value"] or "")
    )
    assert _assert_kpis_are_the_apis(page, linear) >= 8
    page.screenshot(path=screenshot_path("03-dashboard-one-day-linear"), full_page=True)

    # Phone width: the same page, one column, nothing cut off sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("document.documentElement.scrollWidth <= 390")
    page.screenshot(path=screenshot_path("04-dashboard-phone"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Campaigns, for the same days and model, keyboard first: the nav link is reachable by Tab.
    page.get_by_role("link", name="Campaigns").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Campaigns")).to_be_visible()
    campaigns = _api(
        app_url,
        pipeline_run,
        f"/v1/workspaces/{workspace_id}/campaigns",
        range="custom",
        attribution_model="linear",
        limit="25",
        **{"from": last, "to": last},
    )
    rows = page.locator('[data-testid="campaigns-table"] tbody tr[data-level="campaign"]')
    expect(rows).to_have_count(len(campaigns["items"]))
    expect(rows.first).to_contain_text(campaigns["items"][0]["name"])
    expect(page.get_by_test_id("campaigns-count")).to_contain_text(f"of {campaigns['total']}")

    # Its ad sets, from the API's ad set level.
    top = campaigns["items"][0]
    adsets = _api(
        app_url,
        pipeline_run,
        f"/v1/workspaces/{workspace_id}/campaigns",
        range="custom",
        level="adset",
        provider=top["provider"],
        limit="200",
        **{"from": last, "to": last},
    )
    expected_children = [a for a in adsets["items"] if a["campaign_id"] == top["id"]]
    assert expected_children
    page.get_by_role("button", name=re.compile(rf"^Show .* of {re.escape(top['name'])}$")).click()
    expect(page.locator('tr[data-level="adset"]')).to_have_count(len(expected_children))
    page.screenshot(path=screenshot_path("05-campaigns-tree"), full_page=True)

    # Sorted by name, as the API sorts.
    page.get_by_role("button", name="Name").click()
    by_name = _api(
        app_url,
        pipeline_run,
        f"/v1/workspaces/{workspace_id}/campaigns",
        range="custom",
        sort="-name",
        limit="25",
        **{"from": last, "to": last},
    )
    expect(page).to_have_url(re.compile(r"sort=-name"))
    expect(rows.first).to_contain_text(by_name["items"][0]["name"])

    # Filtered to one platform: only its campaigns.
    page.get_by_label("Platform", exact=True).select_option("google_ads")
    expect(rows.first).to_contain_text("Google")
    expect(rows.filter(has_text="Meta")).to_have_count(0)
    page.screenshot(path=screenshot_path("06-campaigns-google"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    # Signed out means signed out: the dashboard's address leads back to the sign-in page.
    page.goto(f"{app_url}/workspaces/{workspace_id}/dashboard")
    expect(page).to_have_url(re.compile(r"/sign-in"))
    page.screenshot(path=screenshot_path("07-signed-out"), full_page=True)
    context.close()
