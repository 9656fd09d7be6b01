"""The merchant web app in Debian's Chromium against the API on the session's pipeline run:
sign in through the simulated Clerk, read the dashboard (its figures are the API's), switch the
range and the attribution model, open the campaigns and their ad sets, connect a platform from
a new workspace's Connections page through the simulated consent, change a member's role, sign
out. Every page leaves a screenshot in test-output/web-screenshots/ and passes axe-core's WCAG
A/AA checks (no serious or critical violation), at desktop and phone width.

DuckDB only: the app reads the same API answers on both backends.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from simulator.merchants import Merchant
from stack.web import chromium_executable
from tests.helpers import RUN_RANGE, with_app_database_copy
from tests.pipeline.conftest import PipelineRun
from tests.web.browser import assert_accessible, screenshot_path, serve_web_app

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


def _bearer(run: PipelineRun, merchant: Merchant) -> dict[str, str]:
    token = httpx.post(
        f"{run.simulator_url}/clerk/v1/sessions/{merchant.clerk_session_id}/tokens",
        params={"expires_in_seconds": 600},
    ).json()["jwt"]
    return {"Authorization": f"Bearer {token}"}


def _api(app_url: str, run: PipelineRun, path: str, **params: str) -> dict[str, Any]:
    response = httpx.get(
        f"{app_url}{path}", params=params, headers=_bearer(run, run.world.merchants[0])
    )
    assert response.status_code == 200, response.text
    return response.json()


def _at_phone_width(page: Page, name: str) -> None:
    """The page at 390 px: one column, nothing cut off sideways, still accessible."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("document.documentElement.scrollWidth <= 390")
    assert_accessible(page, f"{name} at phone width")
    page.screenshot(path=screenshot_path(name), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


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
    assert_accessible(page, "sign-in")
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
    assert_accessible(page, "dashboard")
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

    _at_phone_width(page, "04-dashboard-phone")

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
    assert_accessible(page, "campaigns")
    page.screenshot(path=screenshot_path("05-campaigns-tree"), full_page=True)
    _at_phone_width(page, "05-campaigns-phone")

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


def test_a_merchant_connects_a_platform_and_manages_a_teammates_role(
    pipeline_run: PipelineRun, browser: Browser, tmp_path: Path
) -> None:
    assert pipeline_run.succeeded
    merchant, teammate = pipeline_run.world.merchants[:2]
    # On a copy of the app database: the session's other tests read the original.
    settings = with_app_database_copy(pipeline_run.settings, tmp_path)
    owner = _bearer(pipeline_run, merchant)
    with serve_web_app(settings) as app_url:
        # The merchant's second store: a new workspace, nothing connected, a teammate invited
        # as a viewer who has signed in since (their /v1/me accepts the invitation).
        created = httpx.post(
            f"{app_url}/v1/workspaces",
            json={"name": "Second store", "currency": "EUR", "timezone": "Europe/Berlin"},
            headers=owner,
        )
        assert created.status_code == 201, created.text
        workspace = f"{app_url}/v1/workspaces/{created.json()['id']}"
        invited = httpx.post(
            f"{workspace}/invitations", json={"email": teammate.email}, headers=owner
        )
        assert invited.status_code == 201, invited.text
        assert httpx.get(f"{app_url}/v1/me", headers=_bearer(pipeline_run, teammate)).is_success
        pages = f"{app_url}/workspaces/{created.json()['id']}"

        context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{pages}/dashboard")
        page.get_by_role("link", name="Sign in").click()
        page.get_by_role("link", name=re.compile(merchant.name)).click()

        # The empty dashboard guides to the first connection.
        expect(page.get_by_text("Nothing connected yet")).to_be_visible()
        assert_accessible(page, "empty dashboard")
        page.screenshot(path=screenshot_path("dashboard-empty"), full_page=True)
        page.get_by_role("link", name="Connect your first account").click()
        expect(page).to_have_url(f"{pages}/connections")
        expect(page.get_by_test_id("first-connection")).to_be_visible()
        assert_accessible(page, "empty connections")
        page.screenshot(path=screenshot_path("connections-empty"), full_page=True)

        # Meta through the simulated Facebook Login: signed in there as the merchant, back on
        # the Connections page to choose the ad account.
        page.get_by_role("button", name="Connect Meta Ads").click()
        expect(page.get_by_role("heading", name="Sign in to Facebook")).to_be_visible()
        page.get_by_role("link", name=re.compile(f"Continue as {re.escape(merchant.name)}")).click()
        expect(page).to_have_url(re.compile(rf"{re.escape(pages)}/connections\?selection="))
        picker = page.get_by_test_id("account-picker")
        expect(picker.get_by_role("checkbox")).to_have_count(1)
        assert_accessible(page, "account picker")
        page.screenshot(path=screenshot_path("connections-picker"), full_page=True)
        picker.get_by_role("button", name="Connect 1 account").click()
        expect(page.get_by_role("status").filter(has_text="Connected")).to_be_visible()
        meta_card = page.locator('[data-provider="meta_ads"]')
        expect(meta_card.get_by_test_id("connection-status")).to_have_attribute(
            "data-status", "active"
        )
        [connected] = httpx.get(f"{workspace}/connections", headers=owner).json()["connections"]
        assert (connected["provider"], connected["external_account_id"]) == (
            "meta_ads",
            merchant.meta_account_id,
        )
        expect(meta_card).to_contain_text(connected["display_name"])
        assert_accessible(page, "connections")
        page.screenshot(path=screenshot_path("connections"), full_page=True)
        _at_phone_width(page, "connections-phone")

        # Disconnecting asks first.
        meta_card.get_by_role("button", name=re.compile("^Disconnect")).click()
        meta_card.get_by_role("button", name="Yes, disconnect").click()
        expect(meta_card.get_by_test_id("connection-status")).to_have_attribute(
            "data-status", "disconnected"
        )
        statuses = httpx.get(f"{workspace}/connections", headers=owner).json()["connections"]
        assert [c["status"] for c in statuses] == ["disconnected"]

        # Settings: the teammate from viewer to admin; the last owner cannot step down.
        page.get_by_role("link", name="Settings").click()
        expect(page.get_by_role("heading", name="Settings")).to_be_visible()
        page.get_by_label(f"Role of {teammate.email}").select_option("admin")
        expect(page.get_by_text(f"{teammate.email} is now admin")).to_be_visible()
        members = httpx.get(f"{workspace}/members", headers=owner).json()["members"]
        assert {m["email"]: m["role"] for m in members} == {
            merchant.email: "owner",
            teammate.email: "admin",
        }
        page.get_by_label(f"Role of {merchant.email}").select_option("viewer")
        refusal = httpx.patch(
            f"{workspace}/members/{_user_id(members, merchant.email)}",
            json={"role": "viewer"},
            headers=owner,
        )
        assert refusal.status_code == 409
        expect(page.get_by_role("alert")).to_contain_text(refusal.json()["detail"])
        expect(page.get_by_label(f"Role of {merchant.email}")).to_have_value("owner")
        assert_accessible(page, "settings")
        page.screenshot(path=screenshot_path("settings"), full_page=True)
        _at_phone_width(page, "settings-phone")

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("link", name="Sign in")).to_be_visible()
        context.close()


def _user_id(members: list[dict[str, Any]], email: str) -> str:
    return next(m["user_id"] for m in members if m["email"] == email)
