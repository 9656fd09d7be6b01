import { useRef, useState } from "react";
import type { CampaignsQuery, Client, Entity, Level, Sort, Workspace } from "../api/client";
import { ModelPicker, RangePicker, readReportQuery, type RangeChoice } from "../components/ReportControls";
import { ErrorState, Empty, Loading } from "../components/States";
import { StatusPill } from "../components/StatusPill";
import { providerLabel } from "../components/providers";
import { formatCount, formatMoney, formatPeriod, formatRatio } from "../format";
import { setSearch } from "../router";
import { useAsync } from "../useAsync";

const PAGE_SIZE = 25;
// The API lists one level at a time without a parent filter: a campaign's ad sets are read
// from the whole level, a page of the API's maximum at a time, at most this many pages.
const CHILD_PAGE_SIZE = 200;
const CHILD_PAGES = 10;

type SortField = "name" | "spend" | "platform_conversions" | "platform_roas" | "attributed_revenue" | "attributed_roas";
const COLUMNS: { field: SortField; label: string; numeric: boolean }[] = [
  { field: "name", label: "Name", numeric: false },
  { field: "spend", label: "Spend", numeric: true },
  { field: "platform_conversions", label: "Conversions", numeric: true },
  { field: "platform_roas", label: "Platform ROAS", numeric: true },
  { field: "attributed_revenue", label: "Attributed revenue", numeric: true },
  { field: "attributed_roas", label: "Attributed ROAS", numeric: true },
];
const STATUSES = ["ACTIVE", "PAUSED", "ENABLED", "REMOVED", "DELETED", "ARCHIVED"];

const field = "rounded-md border border-slate-400 bg-white px-2 py-1.5 text-sm text-slate-900";

export function CampaignsPage({ client, workspace, search }: { client: Client; workspace: Workspace; search: URLSearchParams }) {
  const { choice, model } = readReportQuery(search);
  const sort = (search.get("sort") as Sort | null) ?? "-spend";
  const provider = (search.get("provider") as CampaignsQuery["provider"]) ?? undefined;
  const status = search.get("status") ?? undefined;
  // The cursors of the pages before this one: "Previous" pops one.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const base: CampaignsQuery = { range: choice.range, from: choice.from, to: choice.to, attribution_model: model, sort, provider, status };
  const key = JSON.stringify([workspace.id, base]);
  const lastKey = useRef(key);
  if (lastKey.current !== key) {
    lastKey.current = key;
    if (cursors.length) setCursors([]);
  }
  const page = useAsync(
    (signal) => client.campaigns(workspace.id, { ...base, level: "campaign", limit: PAGE_SIZE, cursor }, signal),
    JSON.stringify([key, cursor]),
  );
  const children = useChildren(client, workspace.id, base);
  const update = (changes: Record<string, string | null>) => setSearch(changes);

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight text-slate-900">Campaigns</h1>
          <p className="text-sm text-slate-700">
            {page.status === "done" ? `${formatPeriod(page.value.start, page.value.end)} · ` : ""}
            {workspace.timezone} · {workspace.currency}
          </p>
        </div>
        <RangePicker
          value={choice}
          timeZone={workspace.timezone}
          onChange={(next: RangeChoice) => update({ range: next.range, from: next.from ?? null, to: next.to ?? null })}
        />
      </div>
      <div className="flex flex-wrap items-end gap-3" role="group" aria-label="Filters">
        <label className="flex flex-col text-xs font-medium text-slate-700">
          Platform
          <select aria-label="Platform" className={field} value={provider ?? ""} onChange={(e) => update({ provider: e.target.value || null })}>
            <option value="">All platforms</option>
            <option value="meta_ads">Meta</option>
            <option value="google_ads">Google</option>
          </select>
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-700">
          Status
          <select aria-label="Status" className={field} value={status ?? ""} onChange={(e) => update({ status: e.target.value || null })}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <ModelPicker value={model} onChange={(next) => update({ model: next })} />
      </div>
      {page.status === "loading" && <Loading label="Loading campaigns…" />}
      {page.status === "error" && <ErrorState title="Could not load campaigns" detail={page.error.message} onRetry={page.retry} />}
      {page.status === "done" &&
        (page.value.items.length === 0 ? (
          <Empty title={provider || status ? "No campaign matches these filters" : "No campaigns yet"}>
            {provider || status ? "Clear a filter to see more." : "Campaigns appear after your ad accounts' first sync."}
          </Empty>
        ) : (
          <>
            <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
              <table className="w-full min-w-[48rem] text-left text-sm" data-testid="campaigns-table">
                <thead className="bg-slate-50 text-xs uppercase text-slate-700">
                  <tr>
                    {COLUMNS.map((column) => {
                      const direction = sort === column.field ? "ascending" : sort === `-${column.field}` ? "descending" : "none";
                      const nextSort = direction === "descending" ? column.field : `-${column.field}`;
                      return (
                        <th key={column.field} scope="col" aria-sort={direction} className={`px-3 py-2 ${column.numeric ? "text-right" : ""}`}>
                          <button type="button" className="inline-flex items-center gap-1 uppercase hover:underline" onClick={() => update({ sort: nextSort })}>
                            {column.label}
                            <span aria-hidden>{direction === "ascending" ? "↑" : direction === "descending" ? "↓" : ""}</span>
                          </button>
                        </th>
                      );
                    })}
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {page.value.items.map((campaign) => (
                    <EntityRows key={`${campaign.provider}:${campaign.id}`} entity={campaign} depth={0} currency={workspace.currency} children={children} />
                  ))}
                </tbody>
              </table>
            </div>
            <nav aria-label="Pages" className="flex items-center justify-between text-sm text-slate-800">
              <span data-testid="campaigns-count">
                {cursors.length * PAGE_SIZE + 1}–{cursors.length * PAGE_SIZE + page.value.items.length} of {page.value.total}
              </span>
              <span className="flex gap-2">
                <button
                  type="button"
                  disabled={cursors.length === 0}
                  onClick={() => setCursors(cursors.slice(0, -1))}
                  className="rounded-md border border-slate-400 px-3 py-1.5 disabled:opacity-50"
                >
                  Previous
                </button>
                <button
                  type="button"
                  disabled={!page.value.next_cursor}
                  onClick={() => page.value.next_cursor && setCursors([...cursors, page.value.next_cursor])}
                  className="rounded-md border border-slate-400 px-3 py-1.5 disabled:opacity-50"
                >
                  Next
                </button>
              </span>
            </nav>
          </>
        ))}
    </div>
  );
}

type ChildLoader = (parent: Entity) => Promise<Entity[]>;

/** A campaign's ad sets, an ad set's ads: each level read once per query and shared by rows. */
function useChildren(client: Client, workspaceId: string, base: CampaignsQuery): ChildLoader {
  const levels = useRef(new Map<string, Promise<Entity[]>>());
  const readLevel = (level: Level, provider: string) => {
    const key = JSON.stringify([workspaceId, base, level, provider]);
    let entities = levels.current.get(key);
    if (!entities) {
      entities = (async () => {
        const all: Entity[] = [];
        let cursor: string | undefined;
        for (let n = 0; n < CHILD_PAGES; n++) {
          const answer = await client.campaigns(workspaceId, {
            ...base,
            status: undefined,
            level,
            provider: provider as CampaignsQuery["provider"],
            limit: CHILD_PAGE_SIZE,
            cursor,
          });
          all.push(...answer.items);
          if (!answer.next_cursor) break;
          cursor = answer.next_cursor;
        }
        return all;
      })();
      entities.catch(() => levels.current.delete(key));
      levels.current.set(key, entities);
    }
    return entities;
  };
  return async (parent) =>
    parent.level === "campaign"
      ? (await readLevel("adset", parent.provider)).filter((e) => e.campaign_id === parent.id)
      : (await readLevel("ad", parent.provider)).filter((e) => e.ad_group_id === parent.id);
}

function EntityRows({ entity, depth, currency, children }: { entity: Entity; depth: number; currency: string; children: ChildLoader }) {
  const [open, setOpen] = useState(false);
  const [state, setState] = useState<{ status: "idle" | "loading" } | { status: "done"; items: Entity[] } | { status: "error"; message: string }>({ status: "idle" });
  const expandable = entity.level !== "ad";
  const toggle = () => {
    const next = !open;
    setOpen(next);
    if (next && state.status !== "done") {
      setState({ status: "loading" });
      children(entity).then(
        (items) => setState({ status: "done", items }),
        (error: Error) => setState({ status: "error", message: error.message }),
      );
    }
  };
  const childLabel = entity.level === "campaign" ? (entity.provider === "google_ads" ? "ad groups" : "ad sets") : "ads";
  return (
    <>
      <tr data-level={entity.level} className={depth ? "bg-slate-50" : undefined}>
        <th scope="row" className="px-3 py-2 font-medium text-slate-900">
          <div className="flex items-start gap-2" style={{ paddingLeft: `${depth * 1.25}rem` }}>
            {expandable ? (
              <button
                type="button"
                aria-expanded={open}
                aria-label={`${open ? "Hide" : "Show"} ${childLabel} of ${entity.name ?? entity.id}`}
                onClick={toggle}
                className="mt-0.5 h-5 w-5 shrink-0 rounded border border-slate-400 text-xs leading-none text-slate-800 hover:bg-slate-200"
              >
                {open ? "−" : "+"}
              </button>
            ) : (
              <span className="w-5 shrink-0" aria-hidden />
            )}
            <span>
              <span className="block">{entity.name ?? entity.id}</span>
              <span className="flex items-center gap-2 text-xs font-normal text-slate-700">
                {providerLabel(entity.provider)} <StatusPill status={entity.status} />
              </span>
            </span>
          </div>
        </th>
        <td className="px-3 py-2 text-right tabular-nums">{formatMoney(entity.spend, currency)}</td>
        <td className="px-3 py-2 text-right tabular-nums">{formatCount(entity.platform_conversions, 1)}</td>
        <td className="px-3 py-2 text-right tabular-nums">{formatRatio(entity.platform_roas)}</td>
        <td className="px-3 py-2 text-right tabular-nums">{formatMoney(entity.attributed_revenue, currency)}</td>
        <td className="px-3 py-2 text-right tabular-nums">{formatRatio(entity.attributed_roas)}</td>
      </tr>
      {open && state.status === "loading" && (
        <tr>
          <td colSpan={6} className="px-3 py-2 text-slate-700" style={{ paddingLeft: `${(depth + 1) * 1.25 + 0.75}rem` }} role="status">
            Loading {childLabel}…
          </td>
        </tr>
      )}
      {open && state.status === "error" && (
        <tr>
          <td colSpan={6} className="px-3 py-2 text-red-800" role="alert">
            Could not load the {childLabel}: {state.message}
          </td>
        </tr>
      )}
      {open && state.status === "done" && state.items.length === 0 && (
        <tr>
          <td colSpan={6} className="px-3 py-2 text-slate-700" style={{ paddingLeft: `${(depth + 1) * 1.25 + 0.75}rem` }}>
            No {childLabel}.
          </td>
        </tr>
      )}
      {open &&
        state.status === "done" &&
        state.items.map((child) => <EntityRows key={child.id} entity={child} depth={depth + 1} currency={currency} children={children} />)}
    </>
  );
}
