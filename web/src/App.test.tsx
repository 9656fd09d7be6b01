// How the app signs in, decided by the API's web config. Only the network is faked: the API's
// answer (fetch), and for Clerk the script its SDK downloads from the instance's Frontend API
// (the test plays that script: it defines `window.Clerk` and Clerk's UI, as clerk.browser.js
// and ui.browser.js do). Our code and Clerk's React SDK run as shipped.
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";

// A publishable key names its instance's Frontend API: `pk_test_` + base64("<host>$").
const FRONTEND_API = "clerk.shop.example";
const PUBLISHABLE_KEY = `pk_test_${btoa(`${FRONTEND_API}$`)}`;

function serveConfig(config: { sign_in_url: string | null; clerk_publishable_key: string | null }) {
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    if (String(input) === "/v1/web/config") return Response.json(config);
    return Response.json({ title: "Unauthorized" }, { status: 401 });
  });
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

/** What Clerk's browser script would define: a signed-out instance that mounts its sign-in UI. */
function fakeClerkScripts() {
  const mounted: { node: HTMLDivElement; props: Record<string, unknown> }[] = [];
  const requested: HTMLScriptElement[] = [];
  const clerk = {
    loaded: false,
    // What clerk-js last told its listeners: the React SDK reads the signed-in state from it.
    __internal_lastEmittedResources: { client: { signedInSessions: [] }, session: null, user: null, organization: null },
    load: vi.fn(async () => {
      clerk.loaded = true;
    }),
    addListener: vi.fn(() => () => undefined),
    mountSignIn: vi.fn((node: HTMLDivElement, props: Record<string, unknown>) => {
      node.textContent = "Clerk sign-in form";
      mounted.push({ node, props });
    }),
    unmountSignIn: vi.fn(),
    __internal_updateProps: vi.fn(),
  };
  const observer = new MutationObserver(() => {
    for (const script of document.querySelectorAll<HTMLScriptElement>("script[src]:not([data-served])")) {
      script.dataset.served = "";
      requested.push(script);
      if (script.src.includes("/npm/@clerk/clerk-js@")) Object.assign(window, { Clerk: clerk });
      else if (script.src.includes("/npm/@clerk/ui@")) Object.assign(window, { __internal_ClerkUICtor: class {} });
      else continue;
      script.dispatchEvent(new Event("load"));
    }
  });
  observer.observe(document.documentElement, { childList: true, subtree: true });
  return { clerk, mounted, requested, stop: () => observer.disconnect() };
}

beforeEach(() => {
  sessionStorage.clear();
  history.replaceState(null, "", "/workspaces/w1/copilot");
});
afterEach(() => {
  vi.unstubAllGlobals();
  document.querySelectorAll("script").forEach((script) => script.remove());
  delete (window as { Clerk?: unknown }).Clerk;
  delete (window as { __internal_ClerkUICtor?: unknown }).__internal_ClerkUICtor;
});

describe("sign-in", () => {
  it("without a publishable key, sends the browser to the simulated sign-in and back", async () => {
    serveConfig({ sign_in_url: "http://127.0.0.1:9000/clerk/sign-in", clerk_publishable_key: null });
    render(<App />);
    const link = await screen.findByRole("link", { name: "Sign in" });
    expect(window.location.pathname).toBe("/sign-in");
    expect(link).toHaveAttribute(
      "href",
      `http://127.0.0.1:9000/clerk/sign-in?redirect_url=${encodeURIComponent(`${window.location.origin}/workspaces/w1/copilot`)}`,
    );
    expect(document.querySelector("script[src]")).toBeNull();
  });

  it("with a publishable key, loads Clerk from the key's Frontend API and shows Clerk's SignIn", async () => {
    serveConfig({ sign_in_url: "http://127.0.0.1:9000/clerk/sign-in", clerk_publishable_key: PUBLISHABLE_KEY });
    const scripts = fakeClerkScripts();
    try {
      render(<App />);
      await waitFor(() => expect(scripts.mounted).toHaveLength(1), { timeout: 5000 });
      const script = scripts.requested.find((requested) => requested.src.includes("clerk.browser.js"));
      expect(script?.src).toMatch(new RegExp(`^https://${FRONTEND_API.replaceAll(".", "\\.")}/npm/@clerk/clerk-js@`));
      expect(script?.getAttribute("data-clerk-publishable-key")).toBe(PUBLISHABLE_KEY);
      expect(scripts.clerk.load).toHaveBeenCalledWith(expect.objectContaining({ publishableKey: PUBLISHABLE_KEY }));
      // Clerk's SignIn, in our page, coming back to the page asked for once signed in.
      const { node, props } = scripts.mounted[0];
      expect(screen.getByRole("heading", { name: "metricx" })).toBeInTheDocument();
      expect(node).toHaveTextContent("Clerk sign-in form");
      expect(document.body).toContainElement(node);
      expect(props).toMatchObject({ routing: "hash", forceRedirectUrl: "/workspaces/w1/copilot" });
      expect(screen.queryByRole("link", { name: "Sign in" })).toBeNull();
    } finally {
      scripts.stop();
    }
  });
});

describe("signed in", () => {
  it("shows a workspace renamed in Settings in the header at once", async () => {
    const claims = btoa(JSON.stringify({ sub: "user_1", exp: Math.floor(Date.now() / 1000) + 3600 }));
    sessionStorage.setItem("metricx.session_token", `e30.${claims}.signature`);
    history.replaceState(null, "", "/workspaces/w1/settings");
    let workspace = { id: "w1", slug: "shop", name: "Shop", currency: "EUR", timezone: "Europe/Berlin" };
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        const path = String(input);
        if (path === "/v1/workspaces") return Response.json({ workspaces: [workspace] });
        if (path === "/v1/me")
          return Response.json({ id: "u1", clerk_user_id: "user_1", email: "owner@shop.example.com", memberships: [{ workspace_id: "w1", workspace_name: workspace.name, role: "owner" }] });
        if (path === "/v1/workspaces/w1/members") return Response.json({ members: [], invitations: [] });
        if (path === "/v1/workspaces/w1" && init?.method === "PATCH") {
          workspace = { ...workspace, ...JSON.parse(String(init.body)) };
          return Response.json(workspace);
        }
        return Response.json({ title: "Not Found" }, { status: 404 });
      }),
    );
    render(<App />);
    const header = await screen.findByRole("banner");
    expect(within(header).getByText("Shop")).toBeInTheDocument();
    const name = await screen.findByLabelText("Name");
    await userEvent.clear(name);
    await userEvent.type(name, "Shop Europe");
    await userEvent.click(screen.getByRole("button", { name: "Save workspace" }));
    expect(await within(header).findByText("Shop Europe")).toBeInTheDocument();
  });
});
