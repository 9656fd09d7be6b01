/**
 * The pixel's queue: events wait for a batch (at most `maxBatchEvents`, or `flushAfterMs` after
 * the first), one batch is in flight at a time, and a batch the intake did not take is sent again
 * unchanged. The intake skips event ids it already stored, so a batch sent twice (an answer lost
 * after the intake stored it) is stored once.
 */
import { CHECKOUT_COMPLETED, type IntakeEvent } from "./events";

export const PIXEL_KEY_HEADER = "X-Metricx-Pixel-Key";
// Browsers refuse a keepalive request once the keepalive bodies in flight pass 64 KiB (Fetch
// standard, "keepalive"); a batch stays under it so it survives the page unloading.
const KEEPALIVE_BYTES = 64 * 1024;

export interface SenderOptions {
  endpoint: string;
  pixelKey: string;
  maxBatchEvents: number;
  maxBatchBytes: number;
  flushAfterMs: number;
  maxQueuedEvents: number;
  retryBaseMs: number;
  retryMaxMs: number;
  fetch: typeof fetch;
  random: () => number;
  now: () => number;
  // Where the unsent events are kept between pages (the sandbox's sessionStorage).
  save: (events: IntakeEvent[]) => void;
}

export const DEFAULTS = {
  maxBatchEvents: 50,
  maxBatchBytes: 60_000,
  flushAfterMs: 2_000,
  maxQueuedEvents: 1_000,
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
} as const;

/** What became of the events, for the tests and anyone debugging a shop's pixel. */
export interface SenderCounts {
  stored: number; // stored by the intake
  duplicates: number; // already stored (a retried batch)
  rejected: number; // refused one by one by the intake (malformed, foreign page, too old)
  dropped: number; // in a batch the intake refused whole (400, 401, 403, 413, 422)
  overflowed: number; // pushed out of the full queue
}

interface IntakeAnswer {
  stored?: number;
  duplicates?: number;
  rejected?: unknown[];
}

export class IntakeSender {
  readonly counts: SenderCounts = {
    stored: 0,
    duplicates: 0,
    rejected: 0,
    dropped: 0,
    overflowed: 0,
  };
  private queue: IntakeEvent[] = [];
  private batch: IntakeEvent[] | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  // A 401 or 403 means the key is unknown or revoked: every later batch would be refused too.
  private refused = false;

  constructor(private readonly options: SenderOptions) {}

  /** Queue an event; checkout_completed is sent at once, the conversion everything hangs on. */
  enqueue(event: IntakeEvent): void {
    if (this.refused) {
      this.counts.dropped += 1;
      return;
    }
    if (this.queue.length >= this.options.maxQueuedEvents) {
      this.overflow();
    }
    this.queue.push(event);
    this.save();
    this.schedule();
  }

  /** Events not yet taken by the intake: the batch in flight, then the queue. */
  pending(): IntakeEvent[] {
    return [...(this.batch ?? []), ...this.queue];
  }

  private overflow(): void {
    // The oldest event goes, unless it is an order: a lost page view costs one touchpoint, a
    // lost checkout_completed a whole attributed order.
    const index = this.queue.findIndex((event) => event.name !== CHECKOUT_COMPLETED);
    this.queue.splice(index === -1 ? 0 : index, 1);
    this.counts.overflowed += 1;
  }

  private schedule(): void {
    if (this.batch !== null || this.queue.length === 0) {
      return; // the batch in flight (or waiting to be retried) schedules the next when done
    }
    const urgent = this.queue.some((event) => event.name === CHECKOUT_COMPLETED);
    if (urgent || this.queue.length >= this.options.maxBatchEvents) {
      this.clearTimer();
      void this.flush();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.options.flushAfterMs);
    }
  }

  private async flush(): Promise<void> {
    if (this.batch !== null || this.queue.length === 0) {
      return;
    }
    this.batch = this.takeBatch();
    await this.send();
  }

  /** The first queued events that fit in a batch: at least one, however large. */
  private takeBatch(): IntakeEvent[] {
    const { maxBatchEvents, maxBatchBytes } = this.options;
    let bytes = byteLength('{"events":[]}');
    let count = 0;
    while (count < this.queue.length && count < maxBatchEvents) {
      const size = byteLength(JSON.stringify(this.queue[count])) + 1;
      if (count > 0 && bytes + size > maxBatchBytes) {
        break;
      }
      bytes += size;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  private async send(): Promise<void> {
    const batch = this.batch;
    if (batch === null) {
      return;
    }
    const body = JSON.stringify({ events: batch });
    let response: Response;
    try {
      response = await this.options.fetch(this.options.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json", [PIXEL_KEY_HEADER]: this.options.pixelKey },
        body,
        keepalive: byteLength(body) <= KEEPALIVE_BYTES,
        credentials: "omit",
      });
    } catch {
      // Offline, DNS, CORS refusal, connection reset: the intake may or may not have it.
      this.retryIn(this.backoff());
      return;
    }
    if (response.ok) {
      this.count(await answerOf(response));
      this.done();
    } else if (response.status === 429) {
      this.retryIn(retryAfterMs(response, this.options.now()) ?? this.backoff());
    } else if (response.status >= 500 || response.status === 408) {
      this.retryIn(this.backoff());
    } else {
      // The intake refused the batch as such (400 unreadable, 413 too large, 422 not a batch,
      // 401/403 the key): sending it again would be refused again.
      this.counts.dropped += batch.length;
      if (response.status === 401 || response.status === 403) {
        console.warn(`metricx pixel: the intake refused the pixel key (${response.status})`);
        this.refused = true;
        this.counts.dropped += this.queue.length;
        this.queue = [];
      }
      this.done();
    }
  }

  private count(answer: IntakeAnswer): void {
    this.counts.stored += answer.stored ?? 0;
    this.counts.duplicates += answer.duplicates ?? 0;
    this.counts.rejected += answer.rejected?.length ?? 0;
  }

  private done(): void {
    this.batch = null;
    this.failures = 0;
    this.save();
    this.schedule();
  }

  private retryIn(delayMs: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.send();
    }, delayMs);
  }

  /** Exponential backoff with equal jitter: half the step for sure, half at random, so the
   * shop's visitors do not all come back at the same moment after an outage. */
  private backoff(): number {
    const { retryBaseMs, retryMaxMs, random } = this.options;
    const step = Math.min(retryMaxMs, retryBaseMs * 2 ** this.failures);
    this.failures += 1;
    return step / 2 + (random() * step) / 2;
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private save(): void {
    this.options.save(this.pending());
  }
}

async function answerOf(response: Response): Promise<IntakeAnswer> {
  try {
    return (await response.json()) as IntakeAnswer;
  } catch {
    return {};
  }
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110, 10.2.3). */
export function retryAfterMs(response: Response, now: number): number | null {
  const value = response.headers.get("Retry-After")?.trim();
  if (!value) {
    return null;
  }
  if (/^\d+$/.test(value)) {
    return Number(value) * 1_000;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(date - now, 0);
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}
