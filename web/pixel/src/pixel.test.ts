import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { STANDARD_EVENTS, toIntakeEvent, type IntakeEvent } from "./events";
import { shopifyEvent } from "./fixtures";
import { PENDING_KEY } from "./pending";
import { startPixel, type PixelApi } from "./pixel";
import { PIXEL_KEY_HEADER } from "./sender";

const ENDPOINT = "https://api.metricx.test/v1/pixel/events";

/** Shopify's side of the sandbox: the event bus, the settings, the tab's sessionStorage. */
function fakeShopify(options: { settings?: Record<string, unknown>; analytics?: boolean } = {}) {
  const subscribers = new Map<string, (event: unknown) => void>();
  const consentSubscribers: ((event: unknown) => void)[] = [];
  const storage = new Map<string, string>();
  const api = {
    settings: options.settings ?? { pixelKey: "pk_test" },
    analytics: {
      subscribe: vi.fn((name: string, callback: (event: unknown) => void) => {
        subscribers.set(name, callback);
        return () => subscribers.delete(name);
      }),
    },
    browser: {
      sessionStorage: {
        getItem: async (key: string) => storage.get(key) ?? null,
        setItem: async (key: string, value: string) => void storage.set(key, value),
        removeItem: async (key: string) => void storage.delete(key),
      },
    },
    init: {
      customerPrivacy: {
        analyticsProcessingAllowed: options.analytics ?? true,
        marketingAllowed: false,
        preferencesProcessingAllowed: false,
        saleOfDataAllowed: false,
      },
    },
    customerPrivacy: {
      subscribe: vi.fn((_name: string, callback: (event: unknown) => void) => {
        consentSubscribers.push(callback);
        return () => true;
      }),
    },
  } as unknown as PixelApi;
  return {
    api,
    storage,
    emit: (event: { name: string }) => subscribers.get(event.name)?.(event),
    consent: (analyticsProcessingAllowed: boolean) =>
      consentSubscribers.forEach((callback) =>
        callback({ customerPrivacy: { analyticsProcessingAllowed } }),
      ),
    subscribed: () => [...subscribers.keys()],
  };
}

const posted: IntakeEvent[][] = [];
const fetchMock = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
  posted.push((JSON.parse(String(init?.body)) as { events: IntakeEvent[] }).events);
  return Response.json({ received: 1, stored: 1, duplicates: 0, rejected: [] }, { status: 202 });
});

beforeEach(() => {
  posted.length = 0;
  fetchMock.mockClear();
  vi.useFakeTimers();
  vi.stubGlobal("fetch", fetchMock);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("startPixel", () => {
  it("subscribes to every standard event and sends them with the pixel's key", async () => {
    const shop = fakeShopify();

    startPixel(shop.api, ENDPOINT);
    for (const name of STANDARD_EVENTS) {
      shop.emit(shopifyEvent(name, { id: `sh-${name}` }));
    }
    await vi.advanceTimersByTimeAsync(0);

    expect(shop.subscribed().sort()).toEqual([...STANDARD_EVENTS].sort());
    expect(posted.flat().map((event) => event.name)).toEqual([...STANDARD_EVENTS]);
    expect(fetchMock.mock.calls[0][0]).toBe(ENDPOINT);
    expect(fetchMock.mock.calls[0][1]?.headers).toMatchObject({ [PIXEL_KEY_HEADER]: "pk_test" });
  });

  it.each([{}, { pixelKey: "" }, { pixelKey: 42 }])(
    "sends nothing without a pixel key in its settings (%o)",
    (settings) => {
      const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
      const shop = fakeShopify({ settings });

      expect(startPixel(shop.api, ENDPOINT)).toBeNull();
      expect(shop.subscribed()).toEqual([]);
      expect(warn).toHaveBeenCalledOnce();
      warn.mockRestore();
    },
  );

  it("follows the visitor's consent to analytics", async () => {
    const shop = fakeShopify({ analytics: false });

    startPixel(shop.api, ENDPOINT);
    shop.emit(shopifyEvent("checkout_completed", { id: "before" }));
    shop.consent(true);
    shop.emit(shopifyEvent("checkout_completed", { id: "granted" }));
    await vi.advanceTimersByTimeAsync(0);
    shop.consent(false);
    shop.emit(shopifyEvent("checkout_completed", { id: "withdrawn" }));
    await vi.advanceTimersByTimeAsync(60_000);

    expect(posted.flat().map((event) => event.id)).toEqual(["granted"]);
  });

  it("keeps unsent events in the tab's sessionStorage, for the next page to send", async () => {
    const page = fakeShopify();
    const offline = vi.fn(async () => Promise.reject(new TypeError("Failed to fetch")));

    startPixel(page.api, ENDPOINT, { fetch: offline });
    page.emit(shopifyEvent("page_viewed", { id: "left-1" }));
    page.emit(shopifyEvent("checkout_completed", { id: "left-2" }));
    await vi.advanceTimersByTimeAsync(0);

    const kept = JSON.parse(page.storage.get(PENDING_KEY)!) as IntakeEvent[];
    expect(kept.map((event) => event.id)).toEqual(["left-1", "left-2"]);

    // The visitor moves on: the next page of the tab starts with what the last one left.
    const next = fakeShopify();
    next.storage.set(PENDING_KEY, JSON.stringify(kept));
    startPixel(next.api, ENDPOINT);
    next.emit(shopifyEvent("page_viewed", { id: "new-1" }));
    await vi.advanceTimersByTimeAsync(10_000);

    expect(posted.flat().map((event) => event.id).sort()).toEqual(["left-1", "left-2", "new-1"]);
    expect(next.storage.has(PENDING_KEY)).toBe(false);
  });

  it("ignores what it cannot read in sessionStorage", async () => {
    const page = fakeShopify();
    const valid = toIntakeEvent(shopifyEvent("page_viewed", { id: "kept" }));
    const unreadable = [{ id: 1 }, "x", { ...valid, name: "clicked" }];
    page.storage.set(PENDING_KEY, JSON.stringify([...unreadable, valid]));

    startPixel(page.api, ENDPOINT);
    await vi.advanceTimersByTimeAsync(10_000);

    expect(posted.flat().map((event) => event.id)).toEqual(["kept"]);
  });
});

describe("the bundle's entry", () => {
  it("registers with Shopify's pixel manager and posts to the intake", async () => {
    const extend = vi.fn();
    vi.stubGlobal("shopify", { extend });
    vi.resetModules();

    await import("./index");
    expect(extend).toHaveBeenCalledWith("WebPixel::Render", expect.any(Function));
    const shop = fakeShopify();
    extend.mock.calls[0][1](shop.api);
    shop.emit(shopifyEvent("checkout_completed", { id: "order" }));
    await vi.advanceTimersByTimeAsync(0);

    expect(String(fetchMock.mock.calls[0][0])).toMatch(/\/v1\/pixel\/events$/);
  });
});
