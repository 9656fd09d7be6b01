import { ErrorState } from "../components/States";

/** The simulated sign-in (demo and tests): the page the API names sends the browser back here
 * with a session token in the fragment. Production signs in with Clerk's SDK (auth/clerk.tsx). */
export function SignInPage({ signInUrl, next }: { signInUrl: string | null; next: string }) {
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <h1 className="text-2xl font-bold tracking-tight text-indigo-800">metricx</h1>
        <p className="mt-1 text-slate-700">Ad spend and sales, in one place.</p>
        <div className="mt-6">
          {signInUrl ? (
            <a
              className="block rounded-md bg-indigo-700 px-4 py-2 text-center font-medium text-white hover:bg-indigo-800"
              href={`${signInUrl}?redirect_url=${encodeURIComponent(window.location.origin + next)}`}
            >
              Sign in
            </a>
          ) : (
            <ErrorState
              title="Sign-in is not configured"
              detail="Set METRICX_CLERK_PUBLISHABLE_KEY on the API for Clerk, or METRICX_CLERK_SIGN_IN_URL (the demo sets it to the simulator's sign-in page)."
            />
          )}
        </div>
      </div>
    </main>
  );
}
