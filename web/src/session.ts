// The signed-in session: a Clerk session token the API verifies. The simulated sign-in page
// hands it back in the URL fragment; Clerk's SDK (production) supplies its own (auth/clerk.tsx).
const KEY = "metricx.session_token";

/** Keep a token arriving as `#session_token=…` and take it out of the address bar. */
export function adoptTokenFromFragment(): void {
  const match = /[#&]session_token=([^&]+)/.exec(window.location.hash);
  if (!match) return;
  sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
  history.replaceState(null, "", window.location.pathname + window.location.search);
}

export function storedToken(): string | null {
  const token = sessionStorage.getItem(KEY);
  if (!token) return null;
  // A token past its `exp` would only earn a 401: treat it as signed out.
  try {
    const claims = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    if (typeof claims.exp === "number" && claims.exp * 1000 <= Date.now()) {
      sessionStorage.removeItem(KEY);
      return null;
    }
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
  return token;
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
