import type { Client } from "../api/client";
import { ErrorState, Loading } from "../components/States";
import { useAsync } from "../useAsync";

/** Sign-in: the page the API names (the simulator's for the demo users) sends the browser back
 * here with a session token in the fragment. */
export function SignInPage({ client, next }: { client: Client; next: string | null }) {
  const config = useAsync(() => client.webConfig(), "web-config");
  // Only a path of this app: never a redirect elsewhere.
  const back = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <h1 className="text-2xl font-bold tracking-tight text-indigo-800">metricx</h1>
        <p className="mt-1 text-slate-700">Ad spend and sales, in one place.</p>
        <div className="mt-6">
          {config.status === "loading" && <Loading label="Preparing sign-in…" />}
          {config.status === "error" && <ErrorState title="Sign-in is unavailable" detail={config.error.message} onRetry={config.retry} />}
          {config.status === "done" &&
            (config.value.sign_in_url ? (
              <a
                className="block rounded-md bg-indigo-700 px-4 py-2 text-center font-medium text-white hover:bg-indigo-800"
                href={`${config.value.sign_in_url}?redirect_url=${encodeURIComponent(window.location.origin + back)}`}
              >
                Sign in
              </a>
            ) : (
              <ErrorState
                title="Sign-in is not configured"
                detail="Set METRICX_CLERK_SIGN_IN_URL on the API (the demo sets it to the simulator's sign-in page)."
              />
            ))}
        </div>
      </div>
    </main>
  );
}
