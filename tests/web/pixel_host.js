// Shopify's side of the web pixel sandbox, as far as the metricx pixel uses it: the pixel
// manager's `shopify.extend`, its event bus, the tab's sessionStorage and the pixel's settings
// (window.PIXEL_SETTINGS). `emitShopifyEvent` publishes a standard event the way the manager
// does, filling in the visitor, the moment and the page. Loaded before the pixel's bundle.
(() => {
  const subscribers = new Map();
  let seq = 0;
  window.shopify = {
    extend(extensionPoint, extension) {
      if (extensionPoint !== "WebPixel::Render") {
        throw new Error(`unknown extension point ${extensionPoint}`);
      }
      extension({
        settings: window.PIXEL_SETTINGS,
        analytics: {
          subscribe(name, callback) {
            subscribers.set(name, callback);
            return () => subscribers.delete(name);
          },
        },
        browser: {
          sessionStorage: {
            getItem: async (key) => sessionStorage.getItem(key),
            setItem: async (key, value) => sessionStorage.setItem(key, value),
            removeItem: async (key) => sessionStorage.removeItem(key),
          },
        },
        init: {
          customerPrivacy: {
            analyticsProcessingAllowed: true,
            marketingAllowed: true,
            preferencesProcessingAllowed: true,
            saleOfDataAllowed: true,
          },
        },
        customerPrivacy: { subscribe: () => () => true },
      });
    },
  };
  window.emitShopifyEvent = ({ id, name, href, referrer, data }) => {
    seq += 1;
    const callback = subscribers.get(name);
    if (!callback) {
      throw new Error(`the pixel did not subscribe to ${name}`);
    }
    callback({
      id,
      name,
      type: "standard",
      clientId: window.CLIENT_ID,
      timestamp: new Date().toISOString(),
      seq,
      context: {
        document: { location: { href }, referrer, title: document.title, characterSet: "UTF-8" },
        navigator: { cookieEnabled: true, language: "en-US", userAgent: navigator.userAgent },
        window: { innerWidth: window.innerWidth, innerHeight: window.innerHeight },
      },
      data,
    });
  };
})();
