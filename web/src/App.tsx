import { useMemo, useState } from "react";
import { createClient, type Workspace } from "./api/client";
import { Shell } from "./components/Shell";
import { ErrorState, Empty, Loading } from "./components/States";
import { CampaignsPage } from "./pages/CampaignsPage";
import { ConnectionsPage } from "./pages/ConnectionsPage";
import { DashboardPage } from "./pages/DashboardPage";
import { SettingsPage } from "./pages/SettingsPage";
import { SignInPage } from "./pages/SignInPage";
import { navigate, parseRoute, Redirect, useLocation } from "./router";
import { forgetToken, storedToken } from "./session";
import { useAsync } from "./useAsync";

export function App() {
  const location = useLocation();
  const route = parseRoute(location.pathname);
  const [token, setToken] = useState(storedToken);
  const client = useMemo(
    () =>
      createClient(
        () => token,
        () => {
          forgetToken();
          setToken(null);
        },
      ),
    [token],
  );

  if (route.page === "sign-in" || !token) {
    if (route.page !== "sign-in")
      return <Redirect to={`/sign-in?next=${encodeURIComponent(location.pathname + window.location.search)}`} />;
    return <SignInPage client={client} next={location.search.get("next")} />;
  }
  const signOut = () => {
    forgetToken();
    setToken(null);
    navigate("/sign-in");
  };
  return <SignedIn client={client} route={route} signOut={signOut} search={location.search} />;
}

function SignedIn({
  client,
  route,
  signOut,
  search,
}: {
  client: ReturnType<typeof createClient>;
  route: ReturnType<typeof parseRoute>;
  signOut: () => void;
  search: URLSearchParams;
}) {
  const workspaces = useAsync(() => client.workspaces(), "workspaces");
  if (workspaces.status === "loading") return <Loading label="Loading your workspaces…" />;
  if (workspaces.status === "error")
    return (
      <main className="mx-auto max-w-xl p-6">
        <ErrorState title="Could not load your workspaces" detail={workspaces.error.message} onRetry={workspaces.retry} />
      </main>
    );
  const list: Workspace[] = workspaces.value;
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
  if (!workspace)
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
    <Shell workspaces={list} current={workspace} page={route.page === "not-found" ? "dashboard" : route.page} signOut={signOut}>
      {route.page === "campaigns" ? (
        <CampaignsPage client={client} workspace={workspace} search={search} />
      ) : route.page === "connections" ? (
        <ConnectionsPage client={client} workspace={workspace} search={search} />
      ) : route.page === "settings" ? (
        <SettingsPage key={workspace.id} client={client} workspace={workspace} />
      ) : (
        <DashboardPage client={client} workspace={workspace} search={search} />
      )}
    </Shell>
  );
}
