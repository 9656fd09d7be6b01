import { lazy, Suspense, useCallback, useMemo, useState } from "react";
import { createClient, createSender, type Send, type Workspace } from "./api/client";
import { createCopilotClient } from "./api/copilot";
import { Shell } from "./components/Shell";
import { ErrorState, Empty, Loading } from "./components/States";
import { CampaignsPage } from "./pages/CampaignsPage";
import { ConnectionsPage } from "./pages/ConnectionsPage";
import { CopilotPage } from "./pages/CopilotPage";
import { DashboardPage } from "./pages/DashboardPage";
import { SettingsPage } from "./pages/SettingsPage";
import { SignInPage } from "./pages/SignInPage";
import { navigate, parseRoute, Redirect, useLocation, type Route } from "./router";
import { forgetToken, storedToken } from "./session";
import { useAsync } from "./useAsync";

// Clerk's SDK is a chunk of its own, fetched only when the API names a publishable key.
const ClerkApp = lazy(() => import("./auth/clerk"));

const anonymous = createClient(createSender(() => null, () => undefined));

/** Only a path of this app: never a redirect elsewhere. */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function App() {
  const location = useLocation();
  const route = parseRoute(location.pathname);
  const [token, setToken] = useState(storedToken);
  const expired = useCallback(() => {
    forgetToken();
    setToken(null);
  }, []);
  const send = useMemo(() => createSender(() => token, expired), [token, expired]);

  // A stored token comes from the simulated sign-in: no need to ask the API how to sign in.
  if (token && route.page !== "sign-in") {
    const signOut = () => {
      expired();
      navigate("/sign-in");
    };
    return <SignedIn send={send} route={route} signOut={signOut} search={location.search} />;
  }
  return <SignedOut route={route} search={location.search} />;
}

/** Signed out (or on the sign-in page): the API's web config says how to sign in. */
function SignedOut({ route, search }: { route: Route; search: URLSearchParams }) {
  const config = useAsync(() => anonymous.webConfig(), "web-config");
  const here = window.location.pathname + window.location.search;
  const next = route.page === "sign-in" ? safeNext(search.get("next")) : here;
  if (config.status === "loading") return <Loading label="Preparing sign-in…" />;
  if (config.status === "error")
    return (
      <main className="mx-auto max-w-xl p-6">
        <ErrorState title="Sign-in is unavailable" detail={config.error.message} onRetry={config.retry} />
      </main>
    );
  const publishableKey = config.value.clerk_publishable_key;
  if (publishableKey)
    return (
      <Suspense fallback={<Loading label="Preparing sign-in…" />}>
        <ClerkApp
          publishableKey={publishableKey}
          onSignInPage={route.page === "sign-in"}
          next={next}
          renderSignedIn={(send, signOut) => <SignedIn send={send} route={route} signOut={signOut} search={search} />}
        />
      </Suspense>
    );
  if (route.page !== "sign-in") return <Redirect to={`/sign-in?next=${encodeURIComponent(here)}`} />;
  return <SignInPage signInUrl={config.value.sign_in_url ?? null} next={next} />;
}

function SignedIn({ send, route, signOut, search }: { send: Send; route: Route; signOut: () => void; search: URLSearchParams }) {
  const client = useMemo(() => createClient(send), [send]);
  const copilot = useMemo(() => createCopilotClient(send), [send]);
  const workspaces = useAsync(() => client.workspaces(), "workspaces");
  // Saved in Settings since the list loaded: the header and every page show them at once.
  const [saved, setSaved] = useState<Record<string, Workspace>>({});
  const onSaved = useCallback((workspace: Workspace) => setSaved((before) => ({ ...before, [workspace.id]: workspace })), []);
  if (workspaces.status === "loading") return <Loading label="Loading your workspaces…" />;
  if (workspaces.status === "error")
    return (
      <main className="mx-auto max-w-xl p-6">
        <ErrorState title="Could not load your workspaces" detail={workspaces.error.message} onRetry={workspaces.retry} />
      </main>
    );
  const list: Workspace[] = workspaces.value.map((workspace) => saved[workspace.id] ?? workspace);
  if (list.length === 0)
    return (
      <Shell workspaces={list} signOut={signOut}>
        <Empty title="You are not a member of any workspace yet">Ask a workspace owner to invite you.</Empty>
      </Shell>
    );
  if (route.page === "home" || route.page === "sign-in")
    return <Redirect to={`/workspaces/${encodeURIComponent(list[0].id)}/dashboard`} />;
  if (route.page === "first-workspace")
    return <Redirect to={`/workspaces/${encodeURIComponent(list[0].id)}/${route.target}${window.location.search}`} />;
  const workspace = "workspaceId" in route ? list.find((w) => w.id === route.workspaceId) : undefined;
  if (!workspace || !("workspaceId" in route))
    return (
      <Shell workspaces={list} signOut={signOut}>
        <Empty title="Page not found">
          <a className="text-indigo-800 underline" href="/">
            Go to your dashboard
          </a>
        </Empty>
      </Shell>
    );
  return (
    <Shell workspaces={list} current={workspace} page={route.page} signOut={signOut}>
      {route.page === "campaigns" ? (
        <CampaignsPage client={client} workspace={workspace} search={search} />
      ) : route.page === "copilot" ? (
        <CopilotPage copilot={copilot} workspace={workspace} search={search} />
      ) : route.page === "connections" ? (
        <ConnectionsPage client={client} workspace={workspace} search={search} />
      ) : route.page === "settings" ? (
        <SettingsPage key={workspace.id} client={client} workspace={workspace} onSaved={onSaved} />
      ) : (
        <DashboardPage client={client} workspace={workspace} search={search} />
      )}
    </Shell>
  );
}
