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
export type Me = Schemas["Me"];
export type Role = Schemas["Role"];
export type Connection = Schemas["ConnectionOut"];
export type Provider = Connection["provider"];
export type Selection = Schemas["PendingSelectionOut"];
export type Freshness = Schemas["Freshness"];
export type Members = Schemas["MemberList"];
export type Member = Schemas["MemberOut"];
export type Invitation = Schemas["InvitationOut"];
export type WorkspaceChange = Schemas["WorkspaceUpdate"];
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
  me(): Promise<Me>;
  connections(workspaceId: string): Promise<Connection[]>;
  freshness(workspaceId: string): Promise<Freshness>;
  /** The platform's consent page for a new flow (`shop` for Shopify): navigate there. */
  startConnecting(workspaceId: string, provider: Provider, shop?: string): Promise<string>;
  selection(workspaceId: string, selectionId: string): Promise<Selection>;
  chooseAccounts(workspaceId: string, selectionId: string, accountIds: string[]): Promise<Connection[]>;
  disconnect(workspaceId: string, connectionId: string): Promise<void>;
  updateWorkspace(workspaceId: string, change: WorkspaceChange): Promise<Workspace>;
  members(workspaceId: string): Promise<Members>;
  invite(workspaceId: string, email: string, role: Role): Promise<Invitation>;
  revokeInvitation(workspaceId: string, invitationId: string): Promise<void>;
  changeRole(workspaceId: string, userId: string, role: Role): Promise<Member>;
  removeMember(workspaceId: string, userId: string): Promise<void>;
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
  async function request<T>(method: string, path: string, query?: Query, body?: unknown, signal?: AbortSignal): Promise<T> {
    const init: RequestInit = { method, signal };
    if (body !== undefined) {
      init.headers = { "Content-Type": "application/json" };
      init.body = JSON.stringify(body);
    }
    const response = await send(withQuery(path, query), init);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
  const get = <T,>(path: string, query?: Query, signal?: AbortSignal) => request<T>("GET", path, query, undefined, signal);
  const ws = (workspaceId: string) => `/v1/workspaces/${encodeURIComponent(workspaceId)}`;

  return {
    webConfig: () => get<WebConfig>("/v1/web/config"),
    workspaces: async () => (await get<Schemas["WorkspaceList"]>("/v1/workspaces")).workspaces,
    dashboard: (workspaceId, query, signal) =>
      get<Dashboard>(`/v1/workspaces/${encodeURIComponent(workspaceId)}/dashboard`, query, signal),
    campaigns: (workspaceId, query, signal) =>
      get<Campaigns>(`/v1/workspaces/${encodeURIComponent(workspaceId)}/campaigns`, query, signal),
    me: () => get<Me>("/v1/me"),
    connections: async (workspaceId) => (await get<Schemas["ConnectionList"]>(`${ws(workspaceId)}/connections`)).connections,
    freshness: (workspaceId) => get<Freshness>(`${ws(workspaceId)}/freshness`),
    startConnecting: async (workspaceId, provider, shop) =>
      (await request<Schemas["ConsentOut"]>("POST", `${ws(workspaceId)}/connections/oauth/${provider}/start`, { shop })).url,
    selection: (workspaceId, selectionId) =>
      get<Selection>(`${ws(workspaceId)}/connections/selections/${encodeURIComponent(selectionId)}`),
    chooseAccounts: async (workspaceId, selectionId, accountIds) =>
      (
        await request<Schemas["ConnectionList"]>(
          "POST",
          `${ws(workspaceId)}/connections/selections/${encodeURIComponent(selectionId)}`,
          undefined,
          { external_account_ids: accountIds },
        )
      ).connections,
    disconnect: (workspaceId, connectionId) =>
      request<void>("DELETE", `${ws(workspaceId)}/connections/${encodeURIComponent(connectionId)}`),
    updateWorkspace: (workspaceId, change) => request<Workspace>("PATCH", ws(workspaceId), undefined, change),
    members: (workspaceId) => get<Members>(`${ws(workspaceId)}/members`),
    invite: (workspaceId, email, role) => request<Invitation>("POST", `${ws(workspaceId)}/invitations`, undefined, { email, role }),
    revokeInvitation: (workspaceId, invitationId) =>
      request<void>("DELETE", `${ws(workspaceId)}/invitations/${encodeURIComponent(invitationId)}`),
    changeRole: (workspaceId, userId, role) =>
      request<Member>("PATCH", `${ws(workspaceId)}/members/${encodeURIComponent(userId)}`, undefined, { role }),
    removeMember: (workspaceId, userId) => request<void>("DELETE", `${ws(workspaceId)}/members/${encodeURIComponent(userId)}`),
  };
}
