/**
 * The events not yet taken by the intake, kept in the tab's sessionStorage (through the
 * sandbox's `browser.sessionStorage`): Shopify's sandbox ends with the page, so events queued or
 * in flight when the visitor moves on are sent by the next page of the tab. Per tab, not
 * localStorage: two tabs would overwrite each other's events.
 */
import type { BrowserSessionStorage } from "@shopify/web-pixels-extension";

import { STANDARD_EVENTS, type IntakeEvent } from "./events";

export const PENDING_KEY = "metricx:pixel:pending";

export interface PendingStore {
  /** The events the previous pages of the tab left unsent. */
  leftovers: Promise<IntakeEvent[]>;
  /** Keep `events` as the tab's unsent ones; the latest call wins. */
  save: (events: IntakeEvent[]) => void;
}

export function pendingStore(storage: BrowserSessionStorage): PendingStore {
  const leftovers = storage.getItem(PENDING_KEY).then(parseEvents, () => []);
  let next: IntakeEvent[] | null = null;
  let writing = false;

  async function write(): Promise<void> {
    writing = true;
    // Written only once read: the first save of this page would otherwise replace the leftovers.
    await leftovers;
    while (next !== null) {
      const events = next;
      next = null;
      try {
        if (events.length > 0) {
          await storage.setItem(PENDING_KEY, JSON.stringify(events));
        } else {
          await storage.removeItem(PENDING_KEY);
        }
      } catch {
        // Storage full or blocked: the events still go out while the page lives.
      }
    }
    writing = false;
  }

  return {
    leftovers,
    save(events) {
      next = events;
      if (!writing) {
        void write();
      }
    },
  };
}

function parseEvents(text: string | null): IntakeEvent[] {
  if (!text) {
    return [];
  }
  try {
    const stored: unknown = JSON.parse(text);
    return Array.isArray(stored) ? stored.filter(isIntakeEvent) : [];
  } catch {
    return [];
  }
}

function isIntakeEvent(value: unknown): value is IntakeEvent {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const event = value as Partial<IntakeEvent>;
  return (
    typeof event.id === "string" &&
    (STANDARD_EVENTS as readonly unknown[]).includes(event.name) &&
    typeof event.timestamp === "string"
  );
}
