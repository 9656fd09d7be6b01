import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { KpiCard } from "./KpiCard";

const definition = {
  metric: "mer",
  label: "MER",
  formula: "revenue / spend",
  description: "Net revenue per unit of all ad spend.",
};

describe("KpiCard", () => {
  it("draws the value in the workspace currency and its change against the previous period", () => {
    render(
      <KpiCard
        kpiKey="net_revenue"
        kind="money"
        higherIsBetter
        kpi={{ value: "1234.5", previous: "1000", delta_pct: "23.46" }}
        definition={{ ...definition, label: "Net revenue" }}
        currency="EUR"
        comparing
      />,
    );
    expect(screen.getByTestId("kpi-value")).toHaveTextContent("€1,234.50");
    const delta = screen.getByText(/23\.5% vs/);
    expect(delta).toHaveTextContent("+23.5% vs €1,000.00");
    expect(delta).toHaveClass("text-emerald-800");
  });

  it("marks a rise in a cost as bad news", () => {
    render(
      <KpiCard
        kpiKey="attributed_cpa"
        kind="money"
        higherIsBetter={false}
        kpi={{ value: "12", previous: "10", delta_pct: "20" }}
        currency="USD"
        comparing
      />,
    );
    expect(screen.getByText(/\+20\.0% vs/)).toHaveClass("text-red-800");
  });

  it("describes itself with the semantic layer's definition, for hover and keyboard focus", () => {
    render(
      <KpiCard kpiKey="mer" kind="ratio" higherIsBetter kpi={{ value: 3.14159, previous: null, delta_pct: null }} definition={definition} currency="USD" comparing={false} />,
    );
    expect(screen.getByTestId("kpi-value")).toHaveTextContent("3.14×");
    const card = screen.getByText("MER").closest("[data-kpi]")!;
    expect(card).toHaveAttribute("tabindex", "0");
    expect(card).toHaveAccessibleDescription("revenue / spend Net revenue per unit of all ad spend.");
    expect(screen.queryByText(/vs/)).toBeNull();
  });

  it("shows a dash, not zero, when there is no figure", () => {
    render(<KpiCard kpiKey="aov" kind="money" higherIsBetter kpi={{ value: null, previous: null, delta_pct: null }} currency="USD" comparing />);
    expect(screen.getByTestId("kpi-value")).toHaveTextContent("—");
    expect(screen.getByText("no previous figure")).toBeInTheDocument();
  });
});
