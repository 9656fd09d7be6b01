import type { Dashboard } from "../api/client";
import { formatMoney, formatPercent } from "../format";
import { PROVIDER_COLORS, providerLabel } from "./providers";
import { Empty } from "./States";

export function SpendMix({ mix, currency }: { mix: Dashboard["spend_mix"]; currency: string }) {
  if (mix.length === 0) return <Empty title="No ad spend in this period" />;
  return (
    <ul className="space-y-3" data-testid="spend-mix">
      {mix.map((entry) => (
        <li key={entry.provider}>
          <div className="flex justify-between text-sm">
            <span className="font-medium text-slate-900">{providerLabel(entry.provider)}</span>
            <span className="tabular-nums text-slate-800">
              {formatMoney(entry.spend, currency)} · {formatPercent(entry.share)}
            </span>
          </div>
          <div className="mt-1 h-2 rounded-full bg-slate-200" aria-hidden>
            <div
              className="h-2 rounded-full"
              style={{ width: `${Number(entry.share ?? 0) * 100}%`, background: PROVIDER_COLORS[entry.provider] ?? "#475569" }}
            />
          </div>
        </li>
      ))}
    </ul>
  );
}
