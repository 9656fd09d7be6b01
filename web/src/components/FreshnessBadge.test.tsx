import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { SourceFreshness } from "../api/client";
import { FreshnessBadge } from "./FreshnessBadge";

const now = new Date("2026-11-20T08:07:00Z");

function source(overrides: Partial<SourceFreshness>): SourceFreshness {
  return {
    connection_id: "c1",
    connection_name: "Shop — Meta Ads",
    provider: "meta_ads",
    source: "meta_ads",
    connection_status: "active",
    last_window: { start: "2026-11-20T07:45:00Z", end: "2026-11-20T08:00:00Z", landed_at: "2026-11-20T08:02:00Z" },
    windows_behind: 0,
    stale: false,
    ...overrides,
  };
}

describe("FreshnessBadge", () => {
  it("says how long ago the newest window ends", () => {
    render(<FreshnessBadge sources={[source({})]} stale={false} now={now} />);
    expect(screen.getByText("Updated 7 min ago")).toBeInTheDocument();
    expect(screen.queryByText(/warning/)).toBeNull();
  });

  it("warns of a connection to reconnect and of a source behind", () => {
    render(
      <FreshnessBadge
        sources={[
          source({ connection_status: "needs_reconnect", stale: true, connection_name: "Shop — Google Ads" }),
          source({ connection_id: "c2", stale: true, last_window: null, source: "shopify_orders", connection_name: "Shop — Shopify" }),
        ]}
        stale
        now={now}
      />,
    );
    expect(screen.getByText("2 warnings")).toBeInTheDocument();
    expect(screen.getByText("Shop — Google Ads needs a reconnect")).toBeInTheDocument();
    expect(screen.getByText(/Shop — Shopify \(shopify orders\) is not landed yet/)).toBeInTheDocument();
    expect(screen.getByText(/some data is stale/)).toBeInTheDocument();
  });
});
