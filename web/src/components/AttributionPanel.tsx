import type { AttributionModel, Dashboard } from "../api/client";
import { formatMoney, formatPercent } from "../format";
import { ModelPicker } from "./ReportControls";
import { Empty } from "./States";

const CHANNEL_LABELS: Record<string, string> = {
  meta_paid: "Meta ads",
  google_paid: "Google ads",
  organic_search: "Organic search",
  organic_social: "Organic social",
  email: "Email",
  direct: "Direct",
  referral: "Referral",
};

export function AttributionPanel({
  attribution,
  currency,
  model,
  onModelChange,
}: {
  attribution: Dashboard["attribution"];
  currency: string;
  model: AttributionModel;
  onModelChange: (model: AttributionModel) => void;
}) {
  return (
    <div className="space-y-3">
      <ModelPicker value={model} onChange={onModelChange} />
      {!attribution ? (
        <Empty title="No shop connected">Connect your Shopify store to see which channels earned your sales.</Empty>
      ) : (
        <>
          <p className="text-sm text-slate-800">
            Attribution rate{" "}
            <strong className="text-lg tabular-nums text-slate-900" data-testid="attribution-rate">
              {formatPercent(attribution.attribution_rate)}
            </strong>{" "}
            of net revenue has a touchpoint.
          </p>
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-700">
              <tr>
                <th scope="col" className="py-1">Channel</th>
                <th scope="col" className="py-1 text-right">Attributed revenue</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {attribution.channels.map((channel) => (
                <tr key={channel.channel}>
                  <th scope="row" className="py-1.5 font-medium text-slate-900">{CHANNEL_LABELS[channel.channel] ?? channel.channel.replace(/_/g, " ")}</th>
                  <td className="py-1.5 text-right tabular-nums">{formatMoney(channel.attributed_revenue, currency)}</td>
                </tr>
              ))}
              <tr>
                <th scope="row" className="py-1.5 font-medium text-slate-700">Unattributed</th>
                <td className="py-1.5 text-right tabular-nums text-slate-700">{formatMoney(attribution.unattributed_revenue, currency)}</td>
              </tr>
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
