import { useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { Dashboard } from "../api/client";
import { formatClock, formatCompactMoney, formatDay, formatMoney } from "../format";
import { PROVIDER_COLORS, providerLabel } from "./providers";
import { Empty } from "./States";

type Measure = "spend" | "revenue";

/** Spend or revenue over the period per provider: 15-minute points (day so far) for one day,
 * daily otherwise, on the workspace's clock. */
export function TrendChart({ chart, currency, timeZone }: { chart: Dashboard["chart"]; currency: string; timeZone: string }) {
  const [measure, setMeasure] = useState<Measure>("spend");
  const series = chart.series.filter((s) => s.points.some((p) => p[measure] !== null));
  const rows = new Map<string, Record<string, number | string>>();
  for (const s of series) {
    for (const point of s.points) {
      const row = rows.get(point.at) ?? { at: point.at };
      if (point[measure] !== null) row[s.provider] = Number(point[measure]);
      rows.set(point.at, row);
    }
  }
  const data = [...rows.values()].sort((a, b) => String(a.at).localeCompare(String(b.at)));
  const tick = (at: string) => (chart.granularity === "15m" ? formatClock(at, timeZone) : formatDay(at));
  const caption = chart.granularity === "15m" ? "every 15 minutes, day so far" : "per day";
  return (
    <div>
      <div role="radiogroup" aria-label="Chart measure" className="mb-2 inline-flex rounded-md border border-slate-300 p-0.5 text-sm">
        {(["spend", "revenue"] as const).map((option) => (
          <button
            key={option}
            type="button"
            role="radio"
            aria-checked={measure === option}
            onClick={() => setMeasure(option)}
            className={`rounded px-3 py-1 ${measure === option ? "bg-indigo-700 text-white" : "text-slate-800 hover:bg-slate-100"}`}
          >
            {option === "spend" ? "Spend" : "Revenue"}
          </button>
        ))}
      </div>
      {data.length === 0 ? (
        <Empty title="Nothing to chart for this period" />
      ) : (
        <figure data-testid="trend-chart" data-granularity={chart.granularity}>
          <div className="h-64 w-full" role="img" aria-label={`${measure === "spend" ? "Spend" : "Revenue"} ${caption}, by provider`}>
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="#e2e8f0" vertical={false} />
                <XAxis dataKey="at" tickFormatter={tick} tick={{ fill: "#334155", fontSize: 12 }} minTickGap={24} />
                <YAxis tickFormatter={(v: number) => formatCompactMoney(v, currency)} tick={{ fill: "#334155", fontSize: 12 }} width={64} />
                <Tooltip
                  labelFormatter={(at) => tick(String(at))}
                  formatter={(value, name) => [formatMoney(Number(value), currency), providerLabel(String(name))]}
                />
                <Legend formatter={(name) => <span className="text-slate-800">{providerLabel(String(name))}</span>} />
                {series.map((s) => (
                  <Line
                    key={s.provider}
                    dataKey={s.provider}
                    stroke={PROVIDER_COLORS[s.provider] ?? "#475569"}
                    strokeDasharray={s.provider === "total" ? "5 3" : undefined}
                    strokeWidth={2}
                    dot={chart.granularity === "day"}
                    isAnimationActive={false}
                  />
                ))}
              </LineChart>
            </ResponsiveContainer>
          </div>
          <figcaption className="mt-1 text-xs text-slate-700">
            {measure === "spend" ? "Spend" : "Net revenue (total) and attributed revenue (per provider)"}, {caption}.
          </figcaption>
        </figure>
      )}
    </div>
  );
}
