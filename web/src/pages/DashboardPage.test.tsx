import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError, type Client, type Dashboard } from "../api/client";
import { fakeClient } from "../test-client";
import { DashboardPage } from "./DashboardPage";

const workspace = { id: "w1", slug: "shop", name: "Shop", currency: "EUR", timezone: "Europe/Berlin" };
const kpi = { value: null, previous: null, delta_pct: null };

function dashboard(overrides: Partial<Dashboard["meta"]> = {}): Dashboard {
  return {
    kpis: {
      net_revenue: { value: "500.00", previous: "400.00", delta_pct: "25" },
      spend: { value: "100.00", previous: "100.00", delta_pct: "0" },
      platform_roas: kpi,
      mer: { value: 5, previous: 4, delta_pct: "25" },
      attributed_roas: kpi,
      attributed_cpa: kpi,
      platform_conversions: kpi,
      orders: { value: 10, previous: 8, delta_pct: "25" },
      aov: kpi,
      new_customers: kpi,
      new_customer_cac: kpi,
    },
    chart: { granularity: "day", series: [] },
    top_campaigns: [],
    spend_mix: [],
    attribution: null,
    meta: {
      currency: "EUR",
      timezone: "Europe/Berlin",
      range: "last_7_days",
      period: { start: "2026-11-13", end: "2026-11-19" },
      previous_period: { start: "2026-11-06", end: "2026-11-12" },
      attribution_model: "last_non_direct_click",
      attribution_lookback_days: 30,
      provider: null,
      freshness: [
        {
          connection_id: "c1",
          connection_name: "Shop — Meta Ads",
          provider: "meta_ads",
          source: "meta_ads",
          connection_status: "active",
          last_window: null,
          windows_behind: null,
          stale: true,
        },
      ],
      stale: true,
      definitions: {},
      ...overrides,
    },
  };
}

function client(answer: () => Promise<Dashboard>): Client {
  return fakeClient({ dashboard: vi.fn(answer) });
}

describe("DashboardPage", () => {
  it("loads, then draws the KPIs in the workspace's currency", async () => {
    render(<DashboardPage client={client(async () => dashboard())} workspace={workspace} search={new URLSearchParams()} />);
    expect(screen.getByRole("status")).toHaveTextContent("Loading the dashboard");
    expect(await screen.findByText("€500.00")).toBeInTheDocument();
    expect(screen.getByTestId("period")).toHaveTextContent("Nov 13 – Nov 19, 2026 · Europe/Berlin · EUR");
    expect(screen.getByText("No ad spend in this period")).toBeInTheDocument();
    expect(screen.getByText("No shop connected")).toBeInTheDocument();
  });

  it("asks the API for the URL's range and model", async () => {
    const api = client(async () => dashboard());
    render(<DashboardPage client={api} workspace={workspace} search={new URLSearchParams("range=custom&from=2026-11-01&to=2026-11-02&model=linear")} />);
    await screen.findByText("€500.00");
    expect(api.dashboard).toHaveBeenCalledWith(
      "w1",
      { range: "custom", from: "2026-11-01", to: "2026-11-02", attribution_model: "linear" },
      expect.any(AbortSignal),
    );
  });

  it("guides a workspace with nothing connected to its first connection", async () => {
    render(<DashboardPage client={client(async () => dashboard({ freshness: [] }))} workspace={workspace} search={new URLSearchParams()} />);
    expect(await screen.findByText("Nothing connected yet")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Connect your first account" })).toHaveAttribute("href", "/workspaces/w1/connections");
  });

  it("says what failed and retries on request", async () => {
    let calls = 0;
    const api = client(async () => {
      calls += 1;
      if (calls === 1) throw new ApiError(503, "No analytics data has been published yet.");
      return dashboard();
    });
    render(<DashboardPage client={api} workspace={workspace} search={new URLSearchParams()} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("No analytics data has been published yet.");
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(screen.getByText("€500.00")).toBeInTheDocument());
  });
});
