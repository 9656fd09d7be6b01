import { useEffect } from "react";
import type { AttributionModel, Client, DashboardQuery, Workspace } from "../api/client";
import { AttributionPanel } from "../components/AttributionPanel";
import { FreshnessBadge } from "../components/FreshnessBadge";
import { KPI_CARDS, KpiCard } from "../components/KpiCard";
import { Panel } from "../components/Panel";
import { RangePicker, readReportQuery, type RangeChoice } from "../components/ReportControls";
import { SpendMix } from "../components/SpendMix";
import { ErrorState, Empty, Loading } from "../components/States";
import { TopCampaigns } from "../components/TopCampaigns";
import { TrendChart } from "../components/TrendChart";
import { formatPeriod } from "../format";
import { navigate, setSearch } from "../router";
import { useAsync } from "../useAsync";

export function DashboardPage({ client, workspace, search }: { client: Client; workspace: Workspace; search: URLSearchParams }) {
  const { choice, model } = readReportQuery(search);
  const query: DashboardQuery = { range: choice.range, from: choice.from, to: choice.to, attribution_model: model };
  const dashboard = useAsync(
    (signal) => client.dashboard(workspace.id, query, signal),
    JSON.stringify([workspace.id, query]),
  );
  const changeRange = (next: RangeChoice) => setSearch({ range: next.range, from: next.from ?? null, to: next.to ?? null });
  const changeModel = (next: AttributionModel) => setSearch({ model: next });

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight text-slate-900">Dashboard</h1>
          <p
            className="text-sm text-slate-700"
            data-testid="period"
            data-period={dashboard.status === "done" ? `${dashboard.value.meta.period.start}/${dashboard.value.meta.period.end}` : undefined}
          >
            {dashboard.status === "done"
              ? `${formatPeriod(dashboard.value.meta.period.start, dashboard.value.meta.period.end)} · ${workspace.timezone} · ${workspace.currency}`
              : `${workspace.timezone} · ${workspace.currency}`}
          </p>
        </div>
        <RangePicker value={choice} timeZone={workspace.timezone} onChange={changeRange} />
      </div>
      {dashboard.status === "loading" && <Loading label="Loading the dashboard…" />}
      {dashboard.status === "error" && (
        <ErrorState title="Could not load the dashboard" detail={dashboard.error.message} onRetry={dashboard.retry} />
      )}
      {dashboard.status === "done" && (
        <DashboardBody dashboard={dashboard.value} model={model} onModelChange={changeModel} connectionsUrl={`/workspaces/${encodeURIComponent(workspace.id)}/connections`} />
      )}
    </div>
  );
}

function DashboardBody({
  dashboard,
  model,
  onModelChange,
  connectionsUrl,
}: {
  dashboard: Awaited<ReturnType<Client["dashboard"]>>;
  model: AttributionModel;
  onModelChange: (model: AttributionModel) => void;
  connectionsUrl: string;
}) {
  const { meta } = dashboard;
  // What the benchmark (bench/web.py) times: navigation to the KPI cards on the page.
  useEffect(() => {
    performance.mark("metricx:kpis-drawn");
  }, [dashboard]);
  if (meta.freshness.length === 0)
    return (
      <Empty title="Nothing connected yet">
        <p>Connect your Shopify store and your Meta and Google Ads accounts: your figures appear here within 15 minutes of the first sync.</p>
        <a
          href={connectionsUrl}
          onClick={(event) => {
            if (event.metaKey || event.ctrlKey || event.shiftKey) return;
            event.preventDefault();
            navigate(connectionsUrl);
          }}
          className="mt-3 inline-block rounded-md bg-indigo-700 px-4 py-2 font-medium text-white hover:bg-indigo-800"
        >
          Connect your first account
        </a>
      </Empty>
    );
  return (
    <>
      <FreshnessBadge sources={meta.freshness} stale={meta.stale} />
      <section aria-label="Key figures" className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-4" data-testid="kpis">
        {KPI_CARDS.map((card) => (
          <KpiCard
            key={card.key}
            kpiKey={card.key}
            kind={card.kind}
            higherIsBetter={card.higherIsBetter}
            kpi={dashboard.kpis[card.key]}
            definition={meta.definitions[card.key]}
            currency={meta.currency}
            comparing={meta.previous_period !== null}
          />
        ))}
      </section>
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <div className="min-w-0 lg:col-span-2">
          <Panel title={dashboard.chart.granularity === "15m" ? "Intraday, every 15 minutes" : "Daily trend"}>
            <TrendChart chart={dashboard.chart} currency={meta.currency} timeZone={meta.timezone} />
          </Panel>
        </div>
        <Panel title="Spend mix">
          <SpendMix mix={dashboard.spend_mix} currency={meta.currency} />
        </Panel>
      </div>
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <div className="min-w-0 lg:col-span-2">
          <Panel title="Top campaigns">
            <TopCampaigns campaigns={dashboard.top_campaigns} currency={meta.currency} />
          </Panel>
        </div>
        <Panel title="Attribution">
          <AttributionPanel attribution={dashboard.attribution} currency={meta.currency} model={model} onModelChange={onModelChange} />
        </Panel>
      </div>
    </>
  );
}
