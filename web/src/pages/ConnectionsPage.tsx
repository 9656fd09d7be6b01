import { useState, type FormEvent } from "react";
import type { Client, Connection, Freshness, Provider, Workspace } from "../api/client";
import { AccountPicker } from "../components/AccountPicker";
import { ConnectionStatusBadge } from "../components/ConnectionStatus";
import { Notice } from "../components/Notice";
import { PLATFORMS, SOURCE_LABELS } from "../components/platforms";
import { ErrorState, Loading } from "../components/States";
import { formatAge, formatInstant } from "../format";
import { setSearch } from "../router";
import { useAsync } from "../useAsync";
import { canManage, useRole } from "../useRole";

// What each error code of an OAuth callback (api/connections/landing.py) means for the merchant.
const CALLBACK_ERRORS: Record<string, (platform: string) => { title: string; detail: string }> = {
  consent_declined: (platform) => ({
    title: `${platform} access was not allowed`,
    detail: `You declined metricx's access on ${platform}'s page, so nothing was connected. Connect again and allow access to sync your data.`,
  }),
  invalid_state: () => ({
    title: "That connection attempt has expired",
    detail: "It was started more than 15 minutes ago, already used, or not started here. Nothing was connected: connect again from this page.",
  }),
  missing_code: (platform) => ({
    title: `${platform} sent no authorization`,
    detail: `${platform} sent the browser back without an authorization, so nothing was connected. Connect again.`,
  }),
  invalid_callback: (platform) => ({
    title: `The answer from ${platform} could not be verified`,
    detail: "Its signature did not check out, or it was for another store than the one you started with. Nothing was connected: connect again.",
  }),
  platform_error: (platform) => ({
    title: `${platform} failed a step of connecting`,
    detail: `${platform} refused or failed while metricx exchanged the authorization. Nothing was connected: try again in a few minutes.`,
  }),
};

function platformName(provider: string | null): string {
  return PLATFORMS.find((p) => p.provider === provider)?.name ?? "The platform";
}

export function ConnectionsPage({
  client,
  workspace,
  search,
  goTo = (url) => window.location.assign(url),
}: {
  client: Client;
  workspace: Workspace;
  search: URLSearchParams;
  /** Where a flow starts: the platform's consent page (a full navigation, off the app). */
  goTo?: (url: string) => void;
}) {
  const role = useRole(client, workspace.id);
  const editable = canManage(role);
  const [version, setVersion] = useState(0);
  const connections = useAsync(() => client.connections(workspace.id), `connections:${workspace.id}:${version}`);
  const freshness = useAsync(() => client.freshness(workspace.id), `freshness:${workspace.id}:${version}`);
  const [starting, setStarting] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const selectionId = search.get("selection");
  const error = search.get("error");
  const connectedIds = search.get("connected")?.split(",") ?? [];

  const start = async (provider: Provider, shop?: string) => {
    setStarting(provider);
    setFailure(null);
    try {
      goTo(await client.startConnecting(workspace.id, provider, shop));
    } catch (failed) {
      setFailure((failed as Error).message);
      setStarting(null);
    }
  };
  const disconnect = async (connection: Connection) => {
    setFailure(null);
    try {
      await client.disconnect(workspace.id, connection.id);
      setVersion((n) => n + 1);
    } catch (failed) {
      setFailure((failed as Error).message);
    }
  };

  const list = connections.status === "done" ? connections.value : [];
  const callbackError = error ? (CALLBACK_ERRORS[error] ?? CALLBACK_ERRORS.platform_error)(platformName(search.get("provider"))) : null;
  const justConnected = list.filter((c) => connectedIds.includes(c.id));
  const nothingConnected = connections.status === "done" && list.every((c) => c.status === "disconnected");

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold tracking-tight text-slate-900">Connections</h1>
        <p className="text-sm text-slate-700">
          The stores and ad accounts metricx syncs every 15 minutes, and how recent their data is ({workspace.timezone}).
          {role === "viewer" && " As a viewer you see them; an owner or admin connects and disconnects them."}
        </p>
      </div>
      {callbackError && (
        <Notice tone="error" title={callbackError.title} onDismiss={() => setSearch({ error: null, provider: null })}>
          {callbackError.detail}
        </Notice>
      )}
      {justConnected.length > 0 && (
        <Notice tone="success" title={`Connected ${justConnected.map((c) => c.display_name).join(", ")}`} onDismiss={() => setSearch({ connected: null })}>
          Its data appears on the dashboard after the next sync, within 15 minutes.
        </Notice>
      )}
      {failure && (
        <Notice tone="error" title="That did not work" onDismiss={() => setFailure(null)}>
          {failure}
        </Notice>
      )}
      {selectionId && editable && connections.status === "done" && (
        <AccountPicker
          client={client}
          workspace={workspace}
          selectionId={selectionId}
          connected={list}
          onConnected={(made) => {
            setSearch({ selection: null, connected: made.map((c) => c.id).join(",") });
            setVersion((n) => n + 1);
          }}
          onCancel={() => setSearch({ selection: null })}
        />
      )}
      {connections.status === "loading" && <Loading label="Loading the connections…" />}
      {connections.status === "error" && (
        <ErrorState title="Could not load the connections" detail={connections.error.message} onRetry={connections.retry} />
      )}
      {nothingConnected && (
        <section aria-labelledby="first-connection" className="rounded-xl border border-indigo-200 bg-indigo-50 p-4 text-indigo-950" data-testid="first-connection">
          <h2 id="first-connection" className="font-semibold">
            Connect your first account
          </h2>
          {editable || role === null ? (
            <p className="mt-1 text-sm">
              Start with your Shopify store (what you sold), then Meta and Google Ads (what you spent): with both, metricx computes your ROAS, MER
              and cost per order. The first figures appear on the dashboard within 15 minutes.
            </p>
          ) : (
            <p className="mt-1 text-sm">Nothing is connected yet. Ask an owner or admin of {workspace.name} to connect the store and ad accounts.</p>
          )}
        </section>
      )}
      {connections.status === "done" && (
        <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
          {PLATFORMS.map((platform) => (
            <PlatformCard
              key={platform.provider}
              platform={platform}
              connections={list.filter((c) => c.provider === platform.provider)}
              freshness={freshness.status === "done" ? freshness.value : null}
              timeZone={workspace.timezone}
              editable={editable}
              starting={starting === platform.provider}
              onConnect={(shop) => start(platform.provider, shop)}
              onDisconnect={disconnect}
            />
          ))}
        </div>
      )}
    </div>
  );
}

function PlatformCard({
  platform,
  connections,
  freshness,
  timeZone,
  editable,
  starting,
  onConnect,
  onDisconnect,
}: {
  platform: (typeof PLATFORMS)[number];
  connections: Connection[];
  freshness: Freshness | null;
  timeZone: string;
  editable: boolean;
  starting: boolean;
  onConnect: (shop?: string) => void;
  onDisconnect: (connection: Connection) => void;
}) {
  const headingId = `platform-${platform.provider}`;
  return (
    <section aria-labelledby={headingId} className="flex flex-col rounded-xl border border-slate-200 bg-white p-4 shadow-sm" data-provider={platform.provider}>
      <h2 id={headingId} className="text-base font-semibold text-slate-900">
        {platform.name}
      </h2>
      <p className="mt-1 text-sm text-slate-700">{platform.syncs}</p>
      {connections.length === 0 ? (
        <p className="mt-3 text-sm text-slate-700">Not connected.</p>
      ) : (
        <ul className="mt-3 space-y-3">
          {connections.map((connection) => (
            <ConnectionItem
              key={connection.id}
              connection={connection}
              sources={freshness?.sources.filter((s) => s.connection_id === connection.id) ?? null}
              timeZone={timeZone}
              editable={editable}
              onReconnect={() => onConnect(platform.provider === "shopify" ? connection.external_account_id : undefined)}
              onDisconnect={() => onDisconnect(connection)}
            />
          ))}
        </ul>
      )}
      {editable && (
        <div className="mt-auto pt-4">
          {platform.provider === "shopify" ? (
            <ShopForm starting={starting} onInstall={(shop) => onConnect(shop)} />
          ) : (
            <button
              type="button"
              disabled={starting}
              onClick={() => onConnect()}
              className="rounded-md bg-indigo-700 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-800 disabled:bg-slate-500"
            >
              {starting ? "Opening…" : `Connect ${platform.name}`}
            </button>
          )}
        </div>
      )}
    </section>
  );
}

function ShopForm({ starting, onInstall }: { starting: boolean; onInstall: (shop: string) => void }) {
  const [shop, setShop] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const domain = shop.trim().toLowerCase();
    onInstall(domain.includes(".") ? domain : `${domain}.myshopify.com`);
  };
  return (
    <form onSubmit={submit} className="space-y-2">
      <label className="block text-sm font-medium text-slate-800" htmlFor="shop-domain">
        Store address
      </label>
      <div className="flex flex-wrap gap-2">
        <input
          id="shop-domain"
          required
          value={shop}
          onChange={(event) => setShop(event.target.value)}
          placeholder="your-store.myshopify.com"
          pattern="[A-Za-z0-9][A-Za-z0-9\-]*(\.myshopify\.com)?"
          title="Your store's myshopify.com address, e.g. your-store.myshopify.com"
          className="min-w-0 flex-1 rounded-md border border-slate-400 px-2 py-1.5 text-sm"
        />
        <button type="submit" disabled={starting} className="rounded-md bg-indigo-700 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-800 disabled:bg-slate-500">
          {starting ? "Opening…" : "Connect Shopify"}
        </button>
      </div>
    </form>
  );
}

function ConnectionItem({
  connection,
  sources,
  timeZone,
  editable,
  onReconnect,
  onDisconnect,
}: {
  connection: Connection;
  sources: Freshness["sources"] | null;
  timeZone: string;
  editable: boolean;
  onReconnect: () => void;
  onDisconnect: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const reconnectable = connection.status === "needs_reconnect" || connection.status === "disconnected" || connection.status === "error";
  return (
    <li className="rounded-lg border border-slate-200 p-3" data-testid="connection" data-connection-id={connection.id}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="min-w-0">
          <p className="font-medium break-words text-slate-900">{connection.display_name}</p>
          <p className="text-xs break-all text-slate-700">{connection.external_account_id}</p>
        </div>
        <ConnectionStatusBadge status={connection.status} />
      </div>
      {connection.status === "needs_reconnect" && (
        <p className="mt-2 text-sm text-amber-900">
          The platform refused its credentials
          {connection.needs_reconnect_since && ` since ${formatInstant(connection.needs_reconnect_since, timeZone)}`}: it is not synced until you
          reconnect it. Reconnecting also lands the windows missed meanwhile.
        </p>
      )}
      {connection.status === "error" && (
        <p className="mt-2 text-sm text-red-900">
          Its syncs have been failing
          {connection.error_since && ` since ${formatInstant(connection.error_since, timeZone)}`}: metricx keeps trying every 15
          minutes, and its figures may be incomplete until a sync succeeds. Nothing is needed from you.
        </p>
      )}
      {connection.status === "disconnected" && (
        <p className="mt-2 text-sm text-slate-700">Not synced. Its history is kept; connecting it again resumes it.</p>
      )}
      {connection.status !== "disconnected" && (
        <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm" data-testid="landed">
          {sources === null ? (
            <>
              <dt className="text-slate-700">Data</dt>
              <dd className="text-slate-900">—</dd>
            </>
          ) : (
            sources.map((source) => (
              <div key={source.source} className="contents">
                <dt className="text-slate-700">{SOURCE_LABELS[source.source] ?? source.source}</dt>
                <dd className="text-slate-900">
                  {source.last_window
                    ? `up to ${formatInstant(source.last_window.end, timeZone)} (landed ${formatAge(source.last_window.landed_at)})`
                    : "nothing landed yet"}
                </dd>
              </div>
            ))
          )}
        </dl>
      )}
      {editable && (
        <div className="mt-3 flex flex-wrap gap-2">
          {reconnectable && (
            <button type="button" onClick={onReconnect} className="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800">
              {connection.status === "disconnected" ? "Connect again" : "Reconnect"}
              <span className="sr-only"> {connection.display_name}</span>
            </button>
          )}
          {connection.status !== "disconnected" && !confirming && (
            <button
              type="button"
              onClick={() => setConfirming(true)}
              className="rounded-md border border-slate-400 px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100"
            >
              Disconnect<span className="sr-only"> {connection.display_name}</span>
            </button>
          )}
        </div>
      )}
      {editable && confirming && (
        <div role="group" aria-label={`Confirm disconnecting ${connection.display_name}`} className="mt-3 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-950">
          <p>
            Disconnect {connection.display_name}? Syncing stops and its credentials are forgotten. The data already landed stays, and connecting
            the same account again resumes it.
          </p>
          <div className="mt-2 flex flex-wrap gap-2">
            <button
              type="button"
              autoFocus
              onClick={() => {
                setConfirming(false);
                onDisconnect();
              }}
              className="rounded-md bg-red-800 px-3 py-1.5 font-medium text-white hover:bg-red-900"
            >
              Yes, disconnect
            </button>
            <button type="button" onClick={() => setConfirming(false)} className="rounded-md border border-slate-400 bg-white px-3 py-1.5 font-medium text-slate-800">
              Keep it
            </button>
          </div>
        </div>
      )}
    </li>
  );
}
