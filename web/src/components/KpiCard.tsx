import { useId } from "react";
import type { Dashboard } from "../api/client";
import { formatCount, formatMoney, formatRatio } from "../format";

type KpiKey = keyof Dashboard["kpis"];
type Kind = "money" | "ratio" | "count" | "quantity";

/** Each KPI's kind, and whether a rise is good news (for spend, costs: not). */
export const KPI_CARDS: { key: KpiKey; kind: Kind; higherIsBetter: boolean | null }[] = [
  { key: "net_revenue", kind: "money", higherIsBetter: true },
  { key: "spend", kind: "money", higherIsBetter: null },
  { key: "mer", kind: "ratio", higherIsBetter: true },
  { key: "attributed_roas", kind: "ratio", higherIsBetter: true },
  { key: "platform_roas", kind: "ratio", higherIsBetter: true },
  { key: "attributed_cpa", kind: "money", higherIsBetter: false },
  { key: "orders", kind: "count", higherIsBetter: true },
  { key: "aov", kind: "money", higherIsBetter: true },
  { key: "new_customers", kind: "count", higherIsBetter: true },
  { key: "new_customer_cac", kind: "money", higherIsBetter: false },
  { key: "platform_conversions", kind: "quantity", higherIsBetter: true },
];

export function formatKpi(kind: Kind, value: string | number | null, currency: string): string {
  if (kind === "money") return formatMoney(value, currency);
  if (kind === "ratio") return formatRatio(value === null ? null : Number(value));
  return formatCount(value, kind === "quantity" ? 1 : 0);
}

interface Props {
  kpiKey: KpiKey;
  kind: Kind;
  higherIsBetter: boolean | null;
  kpi: Dashboard["kpis"][KpiKey];
  definition?: Dashboard["meta"]["definitions"][string];
  currency: string;
  comparing: boolean;
}

export function KpiCard({ kpiKey, kind, higherIsBetter, kpi, definition, currency, comparing }: Props) {
  const tooltipId = useId();
  const delta = kpi.delta_pct === null ? null : Number(kpi.delta_pct);
  const tone =
    delta === null || delta === 0 || higherIsBetter === null
      ? "text-slate-700"
      : delta > 0 === higherIsBetter
        ? "text-emerald-800"
        : "text-red-800";
  return (
    <div
      tabIndex={0}
      aria-describedby={definition ? tooltipId : undefined}
      data-kpi={kpiKey}
      data-value={kpi.value ?? ""}
      className="group relative rounded-xl border border-slate-200 bg-white p-4 shadow-sm focus-visible:border-indigo-700"
    >
      <p className="text-sm font-medium text-slate-700">{definition?.label ?? kpiKey}</p>
      <p className="mt-1 text-2xl font-semibold tabular-nums text-slate-900" data-testid="kpi-value">
        {formatKpi(kind, kpi.value, currency)}
      </p>
      {comparing && (
        <p className={`mt-1 text-sm tabular-nums ${tone}`}>
          {delta === null ? (
            "no previous figure"
          ) : (
            <>
              <span aria-hidden>{delta > 0 ? "▲" : delta < 0 ? "▼" : "■"}</span> {delta > 0 ? "+" : ""}
              {delta.toFixed(1)}% vs {formatKpi(kind, kpi.previous, currency)}
            </>
          )}
        </p>
      )}
      {definition && (
        <div
          id={tooltipId}
          role="tooltip"
          className="pointer-events-none absolute left-2 right-2 top-full z-20 mt-1 hidden rounded-md bg-slate-900 p-3 text-xs text-white shadow-lg group-hover:block group-focus-visible:block"
        >
          <p className="font-mono">{definition.formula}</p>
          <p className="mt-1">{definition.description}</p>
        </div>
      )}
    </div>
  );
}
