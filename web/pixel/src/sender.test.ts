import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { toIntakeEvent, type IntakeEvent, type StandardEventName } from "./events";
import { shopifyEvent } from "./fixtures";
import { DEFAULTS, IntakeSender, PIXEL_KEY_HEADER, type SenderOptions } from "./sender";

const ENDPOINT = "https://api.metricx.test/v1/pixel/events";

type Answer = Response | Error;

/** A fetch answering each call with the next of `answers` (the last one repeats). */
function intake(...answers: Answer[]) {
  const calls: { url: string; init: RequestInit; events: IntakeEvent[]; at: number }[] = [];
  const fetch = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as { events: IntakeEvent[] };
    calls.push({ url: String(url), init: init ?? {}, events: body.events, at: Date.now() });
    const answer = answers[Math.min(calls.length, answers.length) - 1];
    if (answer instanceof Error) {
      throw answer;
    }
    return answer.clone();
  });
  return { fetch, calls };
}

function accepted(stored: number, duplicates = 0, rejected = 0): Response {
  return Response.json(
    {
      received: stored + duplicates + rejected,
      stored,
      duplicates,
      rejected: Array.from({ length: rejected }, (_, index) => ({ index, errors: [] })),
    },
    { status: 202 },
  );
}

function status(code: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ title: "refused" }), { status: code, headers });
}

function sender(fetch: typeof globalThis.fetch, options: Partial<SenderOptions> = {}) {
  const saved: IntakeEvent[][] = [];
  const instance = new IntakeSender({
    ...DEFAULTS,
    endpoint: ENDPOINT,
    pixelKey: "pk_test",
    fetch,
    random: () => 0.5,
    now: Date.now,
    save: (events) => saved.push(events),
    ...options,
  });
  return { sender: instance, saved };
}

function event(name: StandardEventName = "page_viewed", id?: string): IntakeEvent {
  return toIntakeEvent(shopifyEvent(name, { id }));
}

function ids(events: IntakeEvent[]): string[] {
  return events.map((sent) => sent.id);
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("batching", () => {
  it("sends a batch once it holds maxBatchEvents events", async () => {
    const { fetch, calls } = intake(accepted(3));
    const { sender: pixel } = sender(fetch, { maxBatchEvents: 3 });

    pixel.enqueue(event("page_viewed", "e1"));
    pixel.enqueue(event("product_viewed", "e2"));
    expect(calls).toHaveLength(0);
    pixel.enqueue(event("product_viewed", "e3"));
    await vi.advanceTimersByTimeAsync(0);

    expect(calls).toHaveLength(1);
    expect(ids(calls[0].events)).toEqual(["e1", "e2", "e3"]);
    expect(pixel.counts.stored).toBe(3);
  });

  it("sends fewer events flushAfterMs after the first of them", async () => {
    const { fetch, calls } = intake(accepted(2));
    const { sender: pixel } = sender(fetch, { flushAfterMs: 2_000 });

    pixel.enqueue(event("page_viewed", "e1"));
    await vi.advanceTimersByTimeAsync(1_000);
    pixel.enqueue(event("product_viewed", "e2"));
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);

    expect(calls).toHaveLength(1);
    expect(ids(calls[0].events)).toEqual(["e1", "e2"]);
  });

  it("sends checkout_completed at once, with the events queued before it", async () => {
    const { fetch, calls } = intake(accepted(2));
    const { sender: pixel } = sender(fetch);

    pixel.enqueue(event("payment_info_submitted", "e1"));
    pixel.enqueue(event("checkout_completed", "e2"));
    await vi.advanceTimersByTimeAsync(0);

    expect(calls).toHaveLength(1);
    expect(ids(calls[0].events)).toEqual(["e1", "e2"]);
  });

  it("posts JSON with the pixel key, keepalive and no cookies", async () => {
    const { fetch, calls } = intake(accepted(1));
    const { sender: pixel } = sender(fetch);

    pixel.enqueue(event("checkout_completed", "e1"));
    await vi.advanceTimersByTimeAsync(0);

    expect(calls[0].url).toBe(ENDPOINT);
    expect(calls[0].init).toMatchObject({
      method: "POST",
      keepalive: true,
      credentials: "omit",
      headers: { "Content-Type": "application/json", [PIXEL_KEY_HEADER]: "pk_test" },
    });
  });

  it("splits the queue into batches under maxBatchBytes, one in flight at a time", async () => {
    const { fetch, calls } = intake(accepted(1));
    const size = JSON.stringify(event("page_viewed", "e0")).length;
    const { sender: pixel } = sender(fetch, { maxBatchBytes: 2 * size + 40, maxBatchEvents: 5 });

    for (const id of ["e1", "e2", "e3", "e4", "e5"]) {
      pixel.enqueue(event("page_viewed", id));
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(DEFAULTS.flushAfterMs * 3);

    expect(calls.map((call) => ids(call.events))).toEqual([["e1", "e2"], ["e3", "e4"], ["e5"]]);
    for (const call of calls) {
      expect(String(call.init.body).length).toBeLessThanOrEqual(2 * size + 40);
    }
  });

  it("sends an event larger than keepalive allows alone, without keepalive", async () => {
    const { fetch, calls } = intake(accepted(1));
    const { sender: pixel } = sender(fetch);
    const huge = event("checkout_completed", "e1");
    huge.context.document.title = "x".repeat(70_000);

    pixel.enqueue(huge);
    await vi.advanceTimersByTimeAsync(0);

    expect(calls).toHaveLength(1);
    expect(calls[0].init.keepalive).toBe(false);
  });
});

describe("retries", () => {
  it("sends the same batch again after a network error, with jittered backoff", async () => {
    const { fetch, calls } = intake(new TypeError("Failed to fetch"), accepted(1));
    const random = vi.fn(() => 0.5);
    const { sender: pixel } = sender(fetch, { random, retryBaseMs: 1_000 });

    pixel.enqueue(event("checkout_completed", "e1"));
    await vi.advanceTimersByTimeAsync(0);
    // Half the 1 s step for sure, half of it times random(): 500 + 0.5 × 500.
    await vi.advanceTimersByTimeAsync(749);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);

    expect(calls).toHaveLength(2);
    expect(calls[1].init.body).toBe(calls[0].init.body);
    expect(random).toHaveBeenCalledTimes(1);
    expect(pixel.counts.stored).toBe(1);
    expect(pixel.pending()).toEqual([]);
  });

  it("doubles the wait after each 5xx up to retryMaxMs, then starts over", async () => {
    const { fetch, calls } = intake(
      status(503),
      status(500),
      status(502),
      status(504),
      accepted(1),
      status(503),
      accepted(1),
    );
    const { sender: pixel } = sender(fetch, {
      random: () => 1,
      retryBaseMs: 1_000,
      retryMaxMs: 5_000,
    });

    pixel.enqueue(event("checkout_completed", "e1"));
    await vi.advanceTimersByTimeAsync(20_000);
    pixel.enqueue(event("checkout_completed", "e2"));
    await vi.advanceTimersByTimeAsync(20_000);

    const waits = calls.slice(1).map((call, index) => call.at - calls[index].at);
    // 1 s, 2 s, 4 s, then the 5 s cap; after the success (and e2 queued 20 s later) 1 s again.
    expect(waits.slice(0, 4)).toEqual([1_000, 2_000, 4_000, 5_000]);
    expect(waits[5]).toBe(1_000);
    expect(ids(calls[4].events)).toEqual(["e1"]);
    expect(ids(calls[6].events)).toEqual(["e2"]);
  });

  it("waits as long as a 429's Retry-After says, in seconds", async () => {
    const { fetch, calls } = intake(status(429, { "Retry-After": "7" }), accepted(1));
    const { sender: pixel } = sender(fetch, { retryBaseMs: 100 });

    pixel.enqueue(event("checkout_completed", "e1"));
    await vi.advanceTimersByTimeAsync(6_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);

    expect(calls).toHaveLength(2);
    expect(calls[1].init.body).toBe(calls[0].init.body);
  });

  it("waits until a 429's Retry-After date", async () => {
    vi.setSystemTime(new Date("2026-12-05T02:00:00Z"));
    const retryAt = new Date("2026-12-05T02:00:30Z").toUTCString();
    const { fetch, calls } = intake(status(429, { "Retry-After": retryAt }), accepted(1));
    const { sender: pixel } = sender(fetch);

    pixel.enqueue(event("checkout_completed", "e1"));
    await vi.advanceTimersByTimeAsync(29_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);

    expect(calls).toHaveLength(2);
  });

  it("backs off on a 429 without Retry-After", async () => {
    const { fetch, calls } = intake(status(429), accepted(1));
    const { sender: pixel } = sender(fetch, { random: () => 0, retryBaseMs: 1_000 });

    pixel.enqueue(event("checkout_completed", "e1"));
    await vi.advanceTimersByTimeAsync(499);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);

    expect(calls).toHaveLength(2);
  });

  it("keeps events queued during a retry for the batches after it", async () => {
    const { fetch, calls } = intake(status(503), accepted(1));
    const { sender: pixel } = sender(fetch, { random: () => 0, retryBaseMs: 1_000 });

    pixel.enqueue(event("checkout_completed", "e1"));
    await vi.advanceTimersByTimeAsync(0);
    pixel.enqueue(event("page_viewed", "e2"));
    await vi.advanceTimersByTimeAsync(500);

    expect(ids(calls[1].events)).toEqual(["e1"]);
    await vi.advanceTimersByTimeAsync(DEFAULTS.flushAfterMs);
    expect(ids(calls[2].events)).toEqual(["e2"]);
  });
});

describe("refusals", () => {
  it.each([400, 413, 422])("drops and counts a batch refused with %i, unretried", async (code) => {
    const { fetch, calls } = intake(status(code), accepted(1));
    const { sender: pixel } = sender(fetch);

    pixel.enqueue(event("page_viewed", "e1"));
    pixel.enqueue(event("checkout_completed", "e2"));
    await vi.advanceTimersByTimeAsync(120_000);

    expect(calls).toHaveLength(1);
    expect(pixel.counts.dropped).toBe(2);
    expect(pixel.pending()).toEqual([]);

    pixel.enqueue(event("checkout_completed", "e3"));
    await vi.advanceTimersByTimeAsync(0);
    expect(ids(calls[1].events)).toEqual(["e3"]);
  });

  it.each([401, 403])("stops sending once the key is refused with %i", async (code) => {
    const { fetch, calls } = intake(status(503), status(code), accepted(1));
    const { sender: pixel } = sender(fetch, { random: () => 0 });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);

    pixel.enqueue(event("checkout_completed", "e1"));
    await vi.advanceTimersByTimeAsync(0);
    pixel.enqueue(event("page_viewed", "e2"));
    await vi.advanceTimersByTimeAsync(500);
    pixel.enqueue(event("checkout_completed", "e3"));
    await vi.advanceTimersByTimeAsync(120_000);

    expect(calls).toHaveLength(2);
    expect(pixel.counts.dropped).toBe(3);
    expect(pixel.pending()).toEqual([]);
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });

  it("counts the events the intake refused one by one, and its duplicates", async () => {
    const { fetch } = intake(accepted(1, 1, 1));
    const { sender: pixel } = sender(fetch, { maxBatchEvents: 3 });

    for (const id of ["e1", "e2", "e3"]) {
      pixel.enqueue(event("page_viewed", id));
    }
    await vi.advanceTimersByTimeAsync(0);

    expect(pixel.counts).toMatchObject({ stored: 1, duplicates: 1, rejected: 1, dropped: 0 });
  });
});

describe("the queue", () => {
  it("holds at most maxQueuedEvents, pushing out the oldest that is not an order", async () => {
    const { fetch, calls } = intake(status(503), accepted(4));
    const { sender: pixel } = sender(fetch, {
      maxQueuedEvents: 3,
      maxBatchEvents: 1,
      random: () => 0,
      retryBaseMs: 1_000,
    });

    pixel.enqueue(event("page_viewed", "in-flight"));
    await vi.advanceTimersByTimeAsync(0);
    pixel.enqueue(event("checkout_completed", "order-1"));
    pixel.enqueue(event("page_viewed", "view-1"));
    pixel.enqueue(event("page_viewed", "view-2"));
    pixel.enqueue(event("page_viewed", "view-3"));
    pixel.enqueue(event("checkout_completed", "order-2"));

    expect(pixel.counts.overflowed).toBe(2);
    expect(ids(pixel.pending())).toEqual(["in-flight", "order-1", "view-3", "order-2"]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.flatMap((call) => ids(call.events))).toEqual([
      "in-flight",
      "in-flight",
      "order-1",
      "view-3",
      "order-2",
    ]);
  });

  it("saves what the intake has not taken, and nothing once it took everything", async () => {
    const { fetch } = intake(status(503), accepted(2));
    const { sender: pixel, saved } = sender(fetch, { random: () => 0 });

    pixel.enqueue(event("page_viewed", "e1"));
    pixel.enqueue(event("checkout_completed", "e2"));
    expect(ids(saved.at(-1)!)).toEqual(["e1", "e2"]);
    await vi.advanceTimersByTimeAsync(0);
    expect(ids(saved.at(-1)!)).toEqual(["e1", "e2"]);
    await vi.advanceTimersByTimeAsync(500);

    expect(saved.at(-1)).toEqual([]);
  });
});
