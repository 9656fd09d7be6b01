// Production sign-in: Clerk's React SDK, loaded only when the API names a publishable key (a
// separate chunk: the demo's simulated sign-in does not download it). Clerk's own script and UI
// come from the instance's Frontend API, named by the key.
import { ClerkProvider, SignIn, useAuth } from "@clerk/react";
import type { ReactNode } from "react";
import type { Send } from "../api/client";
import { createSender } from "../api/client";
import { Loading } from "../components/States";
import { Redirect } from "../router";
import { useMemo } from "react";

/** How the app is drawn once signed in: given how to send requests and how to sign out. */
export type RenderSignedIn = (send: Send, signOut: () => void) => ReactNode;

export default function ClerkApp({
  publishableKey,
  onSignInPage,
  next,
  renderSignedIn,
}: {
  publishableKey: string;
  onSignInPage: boolean;
  next: string;
  renderSignedIn: RenderSignedIn;
}) {
  return (
    <ClerkProvider publishableKey={publishableKey} afterSignOutUrl="/sign-in">
      <ClerkSession onSignInPage={onSignInPage} next={next} renderSignedIn={renderSignedIn} />
    </ClerkProvider>
  );
}

function ClerkSession({ onSignInPage, next, renderSignedIn }: { onSignInPage: boolean; next: string; renderSignedIn: RenderSignedIn }) {
  const { isLoaded, isSignedIn, getToken, signOut } = useAuth();
  // Clerk refreshes its short-lived session token itself: each request asks for the current one.
  // A 401 with a fresh token is the API refusing it (another instance, another origin): the
  // page's error says so, signing out would only loop back here.
  const send = useMemo(() => createSender(() => getToken(), () => undefined), [getToken]);
  if (!isLoaded) return <Loading label="Preparing sign-in…" />;
  if (isSignedIn) {
    if (onSignInPage) return <Redirect to={next} />;
    return renderSignedIn(send, () => void signOut({ redirectUrl: "/sign-in" }));
  }
  return (
    <main className="flex min-h-screen flex-col items-center justify-center gap-6 p-4">
      <div className="text-center">
        <h1 className="text-2xl font-bold tracking-tight text-indigo-800">metricx</h1>
        <p className="mt-1 text-slate-700">Ad spend and sales, in one place.</p>
      </div>
      <SignIn routing="hash" forceRedirectUrl={next} />
    </main>
  );
}
