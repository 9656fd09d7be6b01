// Under each copilot answer: what it fetched (the structured query, in words) and the rows
// behind it, figures formatted as the answer's template formats them (api/copilot/answer.py).
import type { AnswerData, DataRow, MetricUnit, MetricUsed, Period, StructuredQuery } from "../api/copilot";
import { formatCount, formatMoney, formatPeriod } from "../format";
import { MODELS } from "./ReportControls";
import { providerLabel } from "./providers";

const PRESETS: Record<string, string> = {
  today: "Today",
  yesterday: "Yesterday",
  last_7_days: "Last 7 days",
  last_week: "Last week (Mon–Sun)",
  last_30_days: "Last 30 days",
  this_month: "This month",
  month_to_date: "Month to date",
  last_month: "Last month",
  custom: "Custom days",
};
const COMPARISONS: Record<string, string> = {
  previous_period: "The period before",
  same_period_last_year: "The same period last year",
};
const BREAKDOWNS: Record<string, string> = {
  provider: "Platform",
  campaign: "Campaign",
  ad_set: "Ad set",
  ad: "Ad",
  day: "Day",
  hour: "Hour",
};

function metricLabel(name: string, metrics: MetricUsed[] | undefined): string {
  return metrics?.find((metric) => metric.name === name)?.label ?? name.replaceAll("_", " ");
}

function periodText(query: StructuredQuery, period: Period | null | undefined): string {
  const preset = PRESETS[query.time_range.preset] ?? query.time_range.preset;
  if (period) return query.time_range.preset === "custom" ? formatPeriod(period.start, period.end) : `${preset} (${formatPeriod(period.start, period.end)})`;
  const { start, end } = query.time_range;
  return start && end ? formatPeriod(start, end) : preset;
}

/** The structured query as a merchant reads it. `period` and `comparison` are the resolved days
 * (absent for a past conversation's turns: only the query is kept). */
export function QuerySummary({
  query,
  data,
  period,
  comparison,
}: {
  query: StructuredQuery;
  data?: AnswerData;
  period?: Period | null;
  comparison?: Period | null;
}) {
  const attributed = data?.metrics.some((metric) => metric.semantic_name !== metric.name);
  const filters = [
    query.filters.provider && `Platform: ${providerLabel(query.filters.provider)}`,
    query.filters.campaign && `Campaign contains “${query.filters.campaign}”`,
  ].filter(Boolean);
  const items: [string, string][] = [
    ["Metrics", query.metrics.map((name) => metricLabel(name, data?.metrics)).join(", ")],
    ["Period", periodText(query, period ?? data?.period)],
  ];
  if (query.compare_to !== "none") {
    const days = comparison ?? data?.comparison_period;
    const kind = COMPARISONS[query.compare_to] ?? query.compare_to;
    items.push(["Compared with", days ? `${kind} (${formatPeriod(days.start, days.end)})` : kind]);
  }
  if (query.group_by?.length) items.push(["Broken down by", query.group_by.map((b) => BREAKDOWNS[b] ?? b).join(", ")]);
  if (filters.length) items.push(["Filters", filters.join(" · ")]);
  if (query.order_by || query.limit)
    items.push([
      "Order",
      [
        query.limit ? `Top ${query.limit}` : "All",
        query.order_by && `by ${metricLabel(query.order_by.metric, data?.metrics)} (${query.order_by.direction === "asc" ? "lowest" : "highest"} first)`,
      ]
        .filter(Boolean)
        .join(" "),
    ]);
  if (attributed) items.push(["Attribution model", MODELS.find((m) => m.value === query.attribution_model)?.label ?? query.attribution_model]);
  return (
    <dl data-testid="copilot-query" className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
      {items.map(([term, description]) => (
        <div key={term} className="contents">
          <dt className="font-medium text-slate-700">{term}</dt>
          <dd className="text-slate-900">{description}</dd>
        </div>
      ))}
    </dl>
  );
}

function formatValue(value: string | number | null | undefined, unit: MetricUnit, currency: string): string {
  if (value === null || value === undefined) return "—";
  if (unit === "money") return formatMoney(value, currency);
  if (unit === "quantity") return formatCount(value, 2);
  const ratio = Number(value);
  const digits = Math.abs(ratio) < 0.1 ? 4 : 2;
  return new Intl.NumberFormat(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(ratio);
}

function formatChange(change: number | null | undefined): string {
  if (change === null || change === undefined) return "—";
  return `${change > 0 ? "+" : ""}${formatCount(change, 1)}%`;
}

function dimensionValue(name: string, value: string | number | null): string {
  if (value === null) return "—";
  return name === "provider" ? providerLabel(String(value)) : String(value);
}

/** The rows behind an answer, folded away until asked for (a breakdown can be 100 rows). */
export function AnswerRows({ data }: { data: AnswerData }) {
  const dimensions = data.group_by.filter((name) => name !== "day");
  const dated = data.rows.some((row) => row.date !== null);
  const compared = data.rows.some((row) => row.previous);
  const key = (row: DataRow, index: number) => `${row.date ?? ""}|${JSON.stringify(row.dimensions)}|${index}`;
  return (
    <details data-testid="copilot-rows" className="rounded-md border border-slate-200">
      <summary className="cursor-pointer px-3 py-2 text-sm font-medium text-indigo-800 hover:bg-slate-50">
        {data.rows.length === 1 ? "1 row" : `${data.rows.length} rows`} behind this answer
      </summary>
      {data.rows.length === 0 ? (
        <p className="px-3 pb-3 text-sm text-slate-700">No rows: nothing was recorded for these days.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-700">
              <tr>
                {dated && <th scope="col" className="px-3 py-2 font-medium">Day</th>}
                {dimensions.map((name) => (
                  <th key={name} scope="col" className="px-3 py-2 font-medium">
                    {BREAKDOWNS[name] ?? name}
                  </th>
                ))}
                {data.metrics.map((metric) => (
                  <th key={metric.name} scope="col" className="px-3 py-2 text-right font-medium" title={`${metric.description} (${metric.formula})`}>
                    {metric.label}
                  </th>
                ))}
                {compared &&
                  data.metrics.map((metric) => (
                    <th key={`${metric.name}-change`} scope="col" className="px-3 py-2 text-right font-medium">
                      {metric.label} change
                    </th>
                  ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 text-slate-900">
              {data.rows.map((row, index) => (
                <tr key={key(row, index)}>
                  {dated && <td className="whitespace-nowrap px-3 py-1.5">{row.date ?? "—"}</td>}
                  {dimensions.map((name) => (
                    <td key={name} className="px-3 py-1.5">
                      {dimensionValue(name, row.dimensions[name] ?? null)}
                    </td>
                  ))}
                  {data.metrics.map((metric) => (
                    <td key={metric.name} className="whitespace-nowrap px-3 py-1.5 text-right tabular-nums" data-metric={metric.name} data-value={row.values[metric.name] ?? ""}>
                      {formatValue(row.values[metric.name], metric.unit, data.currency)}
                    </td>
                  ))}
                  {compared &&
                    data.metrics.map((metric) => (
                      <td key={`${metric.name}-change`} className="whitespace-nowrap px-3 py-1.5 text-right tabular-nums">
                        {formatChange(row.change_pct?.[metric.name])}
                      </td>
                    ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </details>
  );
}
