import type { Dashboard } from "../api/client";
import { formatCount, formatMoney, formatRatio } from "../format";
import { providerLabel } from "./providers";
import { Empty } from "./States";
import { StatusPill } from "./StatusPill";

export function TopCampaigns({ campaigns, currency }: { campaigns: Dashboard["top_campaigns"]; currency: string }) {
  if (campaigns.length === 0) return <Empty title="No campaign delivered in this period" />;
  return (
    // Focusable, so a keyboard scrolls it sideways at phone width (no link inside to tab to).
    <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Top campaigns (scrolls sideways)">
      <table className="w-full min-w-[36rem] text-left text-sm" data-testid="top-campaigns">
        <thead className="text-xs uppercase text-slate-700">
          <tr>
            <th scope="col" className="py-2 pr-3">Campaign</th>
            <th scope="col" className="py-2 pr-3 text-right">Spend</th>
            <th scope="col" className="py-2 pr-3 text-right">Conversions</th>
            <th scope="col" className="py-2 pr-3 text-right">Platform ROAS</th>
            <th scope="col" className="py-2 pr-3 text-right">Attributed revenue</th>
            <th scope="col" className="py-2 text-right">Attributed ROAS</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {campaigns.map((campaign) => (
            <tr key={`${campaign.provider}:${campaign.campaign_id}`}>
              <th scope="row" className="py-2 pr-3 font-medium text-slate-900">
                <span className="block">{campaign.name ?? campaign.campaign_id}</span>
                <span className="flex items-center gap-2 text-xs font-normal text-slate-700">
                  {providerLabel(campaign.provider)} <StatusPill status={campaign.status} />
                </span>
              </th>
              <td className="py-2 pr-3 text-right tabular-nums">{formatMoney(campaign.spend, currency)}</td>
              <td className="py-2 pr-3 text-right tabular-nums">{formatCount(campaign.platform_conversions, 1)}</td>
              <td className="py-2 pr-3 text-right tabular-nums">{formatRatio(campaign.platform_roas)}</td>
              <td className="py-2 pr-3 text-right tabular-nums">{formatMoney(campaign.attributed_revenue, currency)}</td>
              <td className="py-2 text-right tabular-nums">{formatRatio(campaign.attributed_roas)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
