const TONES: Record<string, string> = {
  ACTIVE: "bg-emerald-100 text-emerald-900",
  ENABLED: "bg-emerald-100 text-emerald-900",
  PAUSED: "bg-amber-100 text-amber-900",
};

/** A status in the platform's own words (ACTIVE, PAUSED, REMOVED…). */
export function StatusPill({ status }: { status: string | null | undefined }) {
  if (!status) return null;
  return (
    <span className={`rounded px-1.5 py-0.5 text-[11px] font-semibold uppercase ${TONES[status] ?? "bg-slate-200 text-slate-800"}`}>
      {status.toLowerCase().replace(/_/g, " ")}
    </span>
  );
}
