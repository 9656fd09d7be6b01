import { useEffect, useState } from "react";
import type { AttributionModel, ReportRange } from "../api/client";
import { todayIn } from "../format";

export const RANGES: { value: ReportRange; label: string }[] = [
  { value: "today", label: "Today" },
  { value: "yesterday", label: "Yesterday" },
  { value: "last_7_days", label: "Last 7 days" },
  { value: "last_30_days", label: "Last 30 days" },
  { value: "month_to_date", label: "Month to date" },
  { value: "last_month", label: "Last month" },
  { value: "custom", label: "Custom…" },
];

export const MODELS: { value: AttributionModel; label: string }[] = [
  { value: "last_non_direct_click", label: "Last non-direct click" },
  { value: "last_click", label: "Last click" },
  { value: "first_click", label: "First click" },
  { value: "linear", label: "Linear" },
  { value: "position_based", label: "Position based (40/20/40)" },
  { value: "time_decay", label: "Time decay" },
];

export interface RangeChoice {
  range: ReportRange;
  from?: string;
  to?: string;
}

const field = "rounded-md border border-slate-400 bg-white px-2 py-1.5 text-sm text-slate-900";

/** The report range: a preset, or custom days on the workspace's calendar (its timezone's
 * today bounds the date inputs, not the browser's). */
export function RangePicker({ value, timeZone, onChange }: { value: RangeChoice; timeZone: string; onChange: (choice: RangeChoice) => void }) {
  const today = todayIn(timeZone);
  const [from, setFrom] = useState(value.from ?? today);
  const [to, setTo] = useState(value.to ?? today);
  const [custom, setCustom] = useState(value.range === "custom");
  useEffect(() => {
    setCustom(value.range === "custom");
    if (value.from) setFrom(value.from);
    if (value.to) setTo(value.to);
  }, [value.range, value.from, value.to]);
  return (
    <div className="flex flex-wrap items-end gap-2">
      <label className="flex flex-col text-xs font-medium text-slate-700">
        Range
        <select
          aria-label="Range"
          className={field}
          value={custom ? "custom" : value.range}
          onChange={(event) => {
            const range = event.target.value as ReportRange;
            if (range === "custom") setCustom(true);
            else onChange({ range });
          }}
        >
          {RANGES.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
      {custom && (
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(event) => {
            event.preventDefault();
            onChange({ range: "custom", from, to });
          }}
        >
          <label className="flex flex-col text-xs font-medium text-slate-700">
            From
            <input type="date" aria-label="From" className={field} value={from} max={to} required onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label className="flex flex-col text-xs font-medium text-slate-700">
            To
            <input type="date" aria-label="To" className={field} value={to} min={from} max={today} required onChange={(e) => setTo(e.target.value)} />
          </label>
          <button type="submit" className="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800">
            Apply
          </button>
        </form>
      )}
    </div>
  );
}

export function ModelPicker({ value, onChange }: { value: AttributionModel; onChange: (model: AttributionModel) => void }) {
  return (
    <label className="flex flex-col text-xs font-medium text-slate-700">
      Attribution model
      <select aria-label="Attribution model" className={field} value={value} onChange={(event) => onChange(event.target.value as AttributionModel)}>
        {MODELS.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The range and model of the URL's query, with the API's defaults. */
export function readReportQuery(search: URLSearchParams): { choice: RangeChoice; model: AttributionModel } {
  const range = (search.get("range") as ReportRange | null) ?? "last_7_days";
  return {
    choice: range === "custom" ? { range, from: search.get("from") ?? undefined, to: search.get("to") ?? undefined } : { range },
    model: (search.get("model") as AttributionModel | null) ?? "last_non_direct_click",
  };
}
