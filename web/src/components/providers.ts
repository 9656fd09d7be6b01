export const PROVIDER_LABELS: Record<string, string> = {
  meta_ads: "Meta",
  google_ads: "Google",
  total: "Total",
};

// Each at least 3:1 against white (WCAG AA for graphics), told apart by more than hue: the
// total is dashed.
export const PROVIDER_COLORS: Record<string, string> = {
  meta_ads: "#1d4ed8",
  google_ads: "#b45309",
  total: "#0f172a",
};

export function providerLabel(provider: string | null | undefined): string {
  return provider ? (PROVIDER_LABELS[provider] ?? provider) : "—";
}
