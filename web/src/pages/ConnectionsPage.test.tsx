import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, type Connection, type Freshness, type Me, type Role } from "../api/client";
import { fakeClient } from "../test-client";
import { ConnectionsPage } from "./ConnectionsPage";

const workspace = { id: "w1", slug: "shop", name: "Shop", currency: "EUR", timezone: "Europe/Berlin" };

function connection(overrides: Partial<Connection>): Connection {
  return {
    id: "c1",
    provider: "meta_ads",
    external_account_id: "1001",
    display_name: "Shop — Meta Ads",
    status: "active",
    needs_reconnect_since: null,
    error_since: null,
    created_at: "2026-11-01T00:00:00Z",
    updated_at: "2026-11-01T00:00:00Z",
    ...overrides,
  };
}

const me = (role: Role): Me => ({
  id: "u1",
  clerk_user_id: "user_1",
  email: "owner@shop.example.com",
  memberships: [{ workspace_id: "w1", workspace_name: "Shop", role }],
});

const freshness: Freshness = {
  workspace_id: "w1",
  as_of: "2026-11-20T13:15:00Z",
  stale_after_windows: 4,
  stale: false,
  sources: [
    {
      connection_id: "c1",
      connection_name: "Shop — Meta Ads",
      provider: "meta_ads",
      source: "meta_ads",
      connection_status: "active",
      last_window: { start: "2026-11-20T13:00:00Z", end: "2026-11-20T13:15:00Z", landed_at: "2026-11-20T13:16:00Z" },
      windows_behind: 0,
      stale: false,
    },
  ],
};

function api(role: Role, connections: Connection[]) {
  return fakeClient({
    me: vi.fn(async () => me(role)),
    connections: vi.fn(async () => connections),
    freshness: vi.fn(async () => freshness),
    startConnecting: vi.fn(async (_w: string, provider: string) => `https://consent.example/${provider}`),
    selection: vi.fn(async () => ({
      id: "s1",
      provider: "meta_ads" as const,
      workspace_id: "w1",
      accounts: [
        { external_account_id: "1001", display_name: "Shop — Meta Ads" },
        { external_account_id: "1002", display_name: "Shop EU — Meta Ads" },
      ],
      expires_at: "2026-11-20T14:00:00Z",
    })),
    chooseAccounts: vi.fn(async () => [connection({ id: "c2", external_account_id: "1002", display_name: "Shop EU — Meta Ads" })]),
    disconnect: vi.fn(async () => undefined),
  });
}

describe("ConnectionsPage", () => {
  beforeEach(() => history.replaceState(null, "", "/workspaces/w1/connections"));

  it("shows each connection's status and last landed window on the workspace's clock", async () => {
    render(<ConnectionsPage client={api("owner", [connection({})])} workspace={workspace} search={new URLSearchParams()} />);
    const item = await screen.findByTestId("connection");
    expect(within(item).getByTestId("connection-status")).toHaveTextContent("Active");
    // 13:15 UTC is 14:15 in Berlin.
    await waitFor(() => expect(within(item).getByTestId("landed")).toHaveTextContent("Ads insightsup to Nov 20, 14:15"));
  });

  it("offers a Reconnect for a connection that needs one, which starts the platform's flow", async () => {
    const client = api("owner", [connection({ status: "needs_reconnect", needs_reconnect_since: "2026-11-19T08:00:00Z" })]);
    const goTo = vi.fn();
    render(<ConnectionsPage client={client} workspace={workspace} search={new URLSearchParams()} goTo={goTo} />);
    expect(await screen.findByText(/it is not synced until you reconnect it/)).toBeInTheDocument();
    await userEvent.click(await screen.findByRole("button", { name: "Reconnect Shop — Meta Ads" }));
    expect(client.startConnecting).toHaveBeenCalledWith("w1", "meta_ads", undefined);
    await waitFor(() => expect(goTo).toHaveBeenCalledWith("https://consent.example/meta_ads"));
  });

  it("says since when a connection in error has failed, in the workspace's timezone", async () => {
    const client = api("owner", [connection({ status: "error", error_since: "2026-11-20T12:02:00Z" })]);
    render(<ConnectionsPage client={client} workspace={workspace} search={new URLSearchParams()} />);
    const item = await screen.findByTestId("connection");
    expect(within(item).getByTestId("connection-status")).toHaveTextContent("Error");
    // 12:02 UTC is 13:02 in Berlin.
    expect(within(item).getByText(/Its syncs have been failing since Nov 20, 13:02/)).toBeInTheDocument();
  });

  it("shows a viewer no edit controls", async () => {
    const connections = [connection({ status: "needs_reconnect" }), connection({ id: "c3", provider: "shopify", external_account_id: "shop.myshopify.com" })];
    render(<ConnectionsPage client={api("viewer", connections)} workspace={workspace} search={new URLSearchParams("selection=s1")} />);
    expect(await screen.findAllByTestId("connection")).toHaveLength(2);
    // Once /v1/me has answered (a manager's controls would show from then on).
    expect(await screen.findByText(/As a viewer you see them/)).toBeInTheDocument();
    expect(screen.queryAllByRole("button")).toEqual([]);
    expect(screen.queryByRole("textbox")).toBeNull();
    expect(screen.queryByTestId("account-picker")).toBeNull();
  });

  it("lets the member choose accounts after a consent and submits the selection", async () => {
    const client = api("admin", [connection({})]);
    render(<ConnectionsPage client={client} workspace={workspace} search={new URLSearchParams("selection=s1")} />);
    const picker = await screen.findByTestId("account-picker");
    expect(within(picker).getByText(/already connected/)).toBeInTheDocument();
    const submit = within(picker).getByRole("button", { name: "Connect 0 accounts" });
    expect(submit).toBeDisabled();
    await userEvent.click(within(picker).getByRole("checkbox", { name: /Shop EU — Meta Ads/ }));
    await userEvent.click(within(picker).getByRole("button", { name: "Connect 1 account" }));
    expect(client.chooseAccounts).toHaveBeenCalledWith("w1", "s1", ["1002"]);
    await waitFor(() => expect(window.location.search).toBe("?connected=c2"));
  });

  it("says when the choice has expired", async () => {
    const client = api("owner", []);
    client.selection = vi.fn(async () => {
      throw new ApiError(404, "No such selection, or it has expired: connect again.");
    });
    render(<ConnectionsPage client={client} workspace={workspace} search={new URLSearchParams("selection=s1")} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("This choice has expired");
  });

  it("explains a callback's error code", async () => {
    render(<ConnectionsPage client={api("owner", [])} workspace={workspace} search={new URLSearchParams("error=consent_declined&provider=google_ads")} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("Google Ads access was not allowed");
    expect(await screen.findByTestId("first-connection")).toHaveTextContent("Start with your Shopify store");
  });

  it("disconnects only once confirmed", async () => {
    const client = api("owner", [connection({})]);
    render(<ConnectionsPage client={client} workspace={workspace} search={new URLSearchParams()} />);
    await userEvent.click(await screen.findByRole("button", { name: "Disconnect Shop — Meta Ads" }));
    expect(client.disconnect).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole("button", { name: "Keep it" }));
    await userEvent.click(screen.getByRole("button", { name: "Disconnect Shop — Meta Ads" }));
    await userEvent.click(screen.getByRole("button", { name: "Yes, disconnect" }));
    expect(client.disconnect).toHaveBeenCalledWith("w1", "c1");
  });
});
