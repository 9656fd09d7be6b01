import type { ReactNode } from "react";

const TONES = {
  success: "border-emerald-300 bg-emerald-50 text-emerald-900",
  warning: "border-amber-300 bg-amber-50 text-amber-900",
  error: "border-red-300 bg-red-50 text-red-900",
};

/** A message about what just happened, which the reader may dismiss. */
export function Notice({
  tone,
  title,
  children,
  onDismiss,
}: {
  tone: keyof typeof TONES;
  title: string;
  children?: ReactNode;
  onDismiss?: () => void;
}) {
  return (
    <div role={tone === "error" ? "alert" : "status"} className={`flex items-start gap-3 rounded-lg border p-4 ${TONES[tone]}`}>
      <div className="min-w-0 flex-1">
        <p className="font-semibold">{title}</p>
        {children && <div className="mt-1 text-sm">{children}</div>}
      </div>
      {onDismiss && (
        <button type="button" onClick={onDismiss} className="rounded-md px-2 py-1 text-sm font-medium underline hover:bg-white/60">
          Dismiss
        </button>
      )}
    </div>
  );
}
