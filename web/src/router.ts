// The app's few routes on the History API: no router library for three pages.
import { useEffect, useMemo, useSyncExternalStore } from "react";

export type Route =
  | { page: "sign-in" }
  | { page: "home" }
  | { page: "dashboard"; workspaceId: string }
  | { page: "campaigns"; workspaceId: string }
  | { page: "copilot"; workspaceId: string }
  | { page: "connections"; workspaceId: string }
  | { page: "settings"; workspaceId: string }
  // A page of the member's first workspace (where an OAuth callback that knows no workspace lands).
  | { page: "first-workspace"; target: "connections" | "settings" }
  | { page: "not-found" };

export function parseRoute(pathname: string): Route {
  if (pathname === "/" || pathname === "") return { page: "home" };
  if (pathname === "/sign-in") return { page: "sign-in" };
  const bare = /^\/(connections|settings)\/?$/.exec(pathname);
  if (bare) return { page: "first-workspace", target: bare[1] as "connections" | "settings" };
  const match = /^\/workspaces\/([^/]+)\/(dashboard|campaigns|copilot|connections|settings)\/?$/.exec(pathname);
  if (match)
    return {
      page: match[2] as "dashboard" | "campaigns" | "copilot" | "connections" | "settings",
      workspaceId: decodeURIComponent(match[1]),
    };
  return { page: "not-found" };
}

export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("popstate", onChange);
  return () => window.removeEventListener("popstate", onChange);
}

const currentHref = () => window.location.pathname + window.location.search;

/** The current location, re-read on every navigation (even one made before this subscribed:
 * a child's redirect runs its effect before its parent's). */
export function useLocation(): { pathname: string; search: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, currentHref);
  return useMemo(() => {
    const url = new URL(href, window.location.origin);
    return { pathname: url.pathname, search: url.searchParams };
  }, [href]);
}

/** Replace some query parameters of the current URL (null removes one), as a new history entry. */
export function setSearch(changes: Record<string, string | null>): void {
  const search = new URLSearchParams(window.location.search);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === "") search.delete(key);
    else search.set(key, value);
  }
  const query = search.toString();
  navigate(window.location.pathname + (query ? `?${query}` : ""));
}

/** Go to `to` (replacing this entry) once rendered: navigation is a side effect, not a render. */
export function Redirect({ to }: { to: string }): null {
  useEffect(() => navigate(to, true), [to]);
  return null;
}
