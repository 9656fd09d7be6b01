import type { Connection } from "../api/client";

const STATUSES: Record<Connection["status"], { label: string; tone: string }> = {
  active: { label: "Active", tone: "bg-emerald-100 text-emerald-900" },
  paused: { label: "Paused", tone: "bg-slate-200 text-slate-800" },
  error: { label: "Error", tone: "bg-red-100 text-red-900" },
  needs_reconnect: { label: "Needs reconnect", tone: "bg-amber-100 text-amber-900" },
  disconnected: { label: "Disconnected", tone: "bg-slate-200 text-slate-800" },
};

/** A connection's status in metricx, in words (never colour alone). */
export function ConnectionStatusBadge({ status }: { status: Connection["status"] }) {
  const { label, tone } = STATUSES[status] ?? { label: status, tone: "bg-slate-200 text-slate-800" };
  return (
    <span data-testid="connection-status" data-status={status} className={`rounded px-2 py-0.5 text-xs font-semibold ${tone}`}>
      {label}
    </span>
  );
}
