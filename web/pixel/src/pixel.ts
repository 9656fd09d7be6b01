/** The pixel: Shopify's standard events, mapped and queued for the intake. */
import type { ExtensionApi } from "@shopify/web-pixels-extension";

import { STANDARD_EVENTS, toIntakeEvent, type ShopifyEvent } from "./events";
import { pendingStore } from "./pending";
import { DEFAULTS, IntakeSender, type SenderOptions } from "./sender";

export type PixelApi = Pick<
  ExtensionApi,
  "analytics" | "browser" | "settings" | "init" | "customerPrivacy"
>;

/** Start sending the shop's events to `endpoint`; null when the pixel has no key to send with. */
export function startPixel(
  api: PixelApi,
  endpoint: string,
  overrides: Partial<SenderOptions> = {},
): IntakeSender | null {
  // Set by the metricx API when it registered the pixel (`webPixelCreate`, api/connections/).
  const pixelKey: unknown = api.settings.pixelKey;
  if (typeof pixelKey !== "string" || pixelKey === "") {
    console.warn("metricx pixel: no pixelKey in the pixel's settings; sending nothing");
    return null;
  }
  const store = pendingStore(api.browser.sessionStorage);
  const sender = new IntakeSender({
    ...DEFAULTS,
    endpoint,
    pixelKey,
    fetch: (input, init) => fetch(input, init),
    random: Math.random,
    now: Date.now,
    save: store.save,
    ...overrides,
  });
  // Shopify loads the pixel only with the visitor's consent to analytics (shopify.extension.toml,
  // customer_privacy); a visitor who withdraws it on the page is followed from then on.
  let allowed = api.init.customerPrivacy.analyticsProcessingAllowed;
  api.customerPrivacy.subscribe("visitorConsentCollected", (event) => {
    allowed = event.customerPrivacy.analyticsProcessingAllowed;
  });
  for (const name of STANDARD_EVENTS) {
    api.analytics.subscribe(name, (event) => {
      if (allowed) {
        sender.enqueue(toIntakeEvent(event as ShopifyEvent));
      }
    });
  }
  void store.leftovers.then((events) => {
    for (const event of events) {
      sender.enqueue(event);
    }
  });
  return sender;
}
