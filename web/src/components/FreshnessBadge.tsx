import type { SourceFreshness } from "../api/client";
import { formatAge } from "../format";

/** "Updated 6 min ago" from the newest landed window; a warning naming what is stale. */
export function FreshnessBadge({ sources, stale, now }: { sources: SourceFreshness[]; stale: boolean; now?: Date }) {
  const ends = sources.flatMap((s) => (s.last_window ? [s.last_window.end] : []));
  const newest = ends.sort().at(-1);
  // `needs_reconnect`: the platform refused the credentials (the Connections page reconnects it).
  const toReconnect = (s: SourceFreshness) => s.connection_status === "error" || s.connection_status === "needs_reconnect";
  const needsReconnect = sources.filter(toReconnect);
  const behind = sources.filter((s) => s.stale && !toReconnect(s));
  const label = newest ? `Updated ${formatAge(newest, now)}` : "No data landed yet";
  const problems = [
    ...needsReconnect.map((s) => `${s.connection_name} needs a reconnect`),
    ...behind.map((s) => `${s.connection_name} (${s.source.replace("_", " ")}) is ${s.last_window ? "behind" : "not landed yet"}`),
  ];
  return (
    <div role="status" data-testid="freshness" className="flex flex-wrap items-center gap-2 text-sm">
      <span
        className={`inline-flex items-center gap-1.5 rounded-full px-2.5 py-1 font-medium ${
          stale ? "bg-amber-100 text-amber-900" : "bg-emerald-100 text-emerald-900"
        }`}
        title={problems.join("; ") || undefined}
      >
        <span aria-hidden className={`h-2 w-2 rounded-full ${stale ? "bg-amber-600" : "bg-emerald-600"}`} />
        {label}
        {stale && <span className="sr-only">: some data is stale</span>}
      </span>
      {problems.length > 0 && (
        <details className="text-amber-900">
          <summary className="cursor-pointer underline">{problems.length === 1 ? "1 warning" : `${problems.length} warnings`}</summary>
          <ul className="mt-1 list-disc pl-5">
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
