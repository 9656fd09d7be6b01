/** The metricx web pixel: Shopify loads this bundle in its pixel sandbox on the shop's pages. */
import { register } from "@shopify/web-pixels-extension";

import { INTAKE_URL } from "./intake";
import { startPixel } from "./pixel";

register((api) => {
  startPixel(api, INTAKE_URL);
});
