// The API's typed client: every type comes from `schema.d.ts`, generated from the API's OpenAPI
// document (`npm run generate:api`; tests/web checks it is current).
import type { components, operations } from "./schema";

type Schemas = components["schemas"];
export type Dashboard = Schemas["Dashboard"];
export type DashboardMeta = Schemas["DashboardMeta"];
export type Kpis = Schemas["Kpis"];
export type ChartSeries = Schemas["ChartSeries"];
export type SourceFreshness = Schemas["SourceFreshnessOut"];
export type TopCampaign = Schemas["TopCampaign"];
export type Workspace = Schemas["WorkspaceOut"];
export type Campaigns = Schemas["CampaignsOut"];
export type Entity = Schemas["EntityOut"];
export type WebConfig = Schemas["WebConfig"];
/** RFC 9457 problem details, inlined per route in the document. */
export interface Problem {
  title?: string;
  status?: number;
  detail?: string | null;
}

export type DashboardQuery = NonNullable<operations["dashboard_v1_workspaces__workspace_id__dashboard_get"]["parameters"]["query"]>;
export type CampaignsQuery = NonNullable<operations["list_campaigns_v1_workspaces__workspace_id__campaigns_get"]["parameters"]["query"]>;
export type ReportRange = NonNullable<DashboardQuery["range"]>;
export type AttributionModel = NonNullable<DashboardQuery["attribution_model"]>;
export type Level = NonNullable<CampaignsQuery["level"]>;
export type Sort = NonNullable<CampaignsQuery["sort"]>;

/** An answer other than 2xx, with the problem+json detail the API wrote for the user. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

export interface Client {
  webConfig(): Promise<WebConfig>;
  workspaces(): Promise<Workspace[]>;
  dashboard(workspaceId: string, query: DashboardQuery, signal?: AbortSignal): Promise<Dashboard>;
  campaigns(workspaceId: string, query: CampaignsQuery, signal?: AbortSignal): Promise<Campaigns>;
}

type Query = Record<string, string | number | undefined | null>;

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

/** The session token to send, or null; Clerk's SDK hands it out asynchronously (refreshed). */
export type TokenSource = () => string | null | Promise<string | null>;
/** An authenticated request to the API on this origin: the response when 2xx, else ApiError. */
export type Send = (path: string, init?: RequestInit) => Promise<Response>;

/** Requests authenticated by `token()`; `onUnauthorized` hears of every 401 (an expired
 * session). */
export function createSender(token: TokenSource, onUnauthorized: () => void): Send {
  return async (path, init = {}) => {
    const bearer = await token();
    const headers = new Headers(init.headers);
    if (bearer) headers.set("Authorization", `Bearer ${bearer}`);
    const response = await fetch(path, { ...init, headers });
    if (!response.ok) {
      if (response.status === 401) onUnauthorized();
      let detail = response.statusText || `HTTP ${response.status}`;
      try {
        const problem = (await response.json()) as Problem;
        detail = problem.detail ?? problem.title ?? detail;
      } catch {
        // Not problem+json (a proxy's page): the status says enough.
      }
      throw new ApiError(response.status, detail);
    }
    return response;
  };
}

/** A client of the API on this origin, sending its requests through `send`. */
export function createClient(send: Send): Client {
  async function get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return (await (await send(withQuery(path, query), { signal })).json()) as T;
  }

  return {
    webConfig: () => get<WebConfig>("/v1/web/config"),
    workspaces: async () => (await get<Schemas["WorkspaceList"]>("/v1/workspaces")).workspaces,
    dashboard: (workspaceId, query, signal) =>
      get<Dashboard>(`/v1/workspaces/${encodeURIComponent(workspaceId)}/dashboard`, query, signal),
    campaigns: (workspaceId, query, signal) =>
      get<Campaigns>(`/v1/workspaces/${encodeURIComponent(workspaceId)}/campaigns`, query, signal),
  };
}
