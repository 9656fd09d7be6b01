import type { ReactNode } from "react";
import type { Workspace } from "../api/client";
import { navigate } from "../router";

type Page = "dashboard" | "campaigns" | "copilot" | "connections" | "settings";

/** Links keep the range and model, so switching pages keeps the period in view. */
function pageUrl(workspaceId: string, page: Page): string {
  const kept = new URLSearchParams();
  const search = new URLSearchParams(window.location.search);
  for (const key of ["range", "from", "to", "model"]) {
    const value = search.get(key);
    if (value) kept.set(key, value);
  }
  const query = kept.toString();
  return `/workspaces/${encodeURIComponent(workspaceId)}/${page}${query ? `?${query}` : ""}`;
}

export function Shell({
  workspaces,
  current,
  page,
  signOut,
  children,
}: {
  workspaces: Workspace[];
  current?: Workspace;
  page?: Page;
  signOut: () => void;
  children: ReactNode;
}) {
  const link = (target: Page, label: string) => {
    if (!current) return null;
    const href = pageUrl(current.id, target);
    return (
      <a
        href={href}
        aria-current={page === target ? "page" : undefined}
        onClick={(event) => {
          if (event.metaKey || event.ctrlKey || event.shiftKey) return;
          event.preventDefault();
          navigate(href);
        }}
        className={`rounded-md px-3 py-1.5 text-sm font-medium ${
          page === target ? "bg-indigo-700 text-white" : "text-slate-800 hover:bg-slate-200"
        }`}
      >
        {label}
      </a>
    );
  };
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:bg-white focus:p-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-3 px-4 py-3">
          <span className="text-lg font-bold tracking-tight text-indigo-800">metricx</span>
          {current && workspaces.length > 1 ? (
            <label className="text-sm text-slate-800">
              <span className="sr-only">Workspace</span>
              <select
                className="rounded-md border border-slate-400 bg-white px-2 py-1 text-sm"
                value={current.id}
                onChange={(event) => navigate(pageUrl(event.target.value, page ?? "dashboard"))}
              >
                {workspaces.map((workspace) => (
                  <option key={workspace.id} value={workspace.id}>
                    {workspace.name}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            current && <span className="text-sm font-medium text-slate-800">{current.name}</span>
          )}
          <nav aria-label="Main" className="flex flex-wrap gap-1">
            {link("dashboard", "Dashboard")}
            {link("campaigns", "Campaigns")}
            {link("copilot", "Copilot")}
            {link("connections", "Connections")}
            {link("settings", "Settings")}
          </nav>
          <button
            type="button"
            onClick={signOut}
            className="ml-auto rounded-md border border-slate-400 px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100"
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-6">
        {children}
      </main>
    </div>
  );
}
