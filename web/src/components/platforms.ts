import type { Provider } from "../api/client";

/** The platforms a workspace connects, in the order a merchant best connects them. */
export const PLATFORMS: { provider: Provider; name: string; accounts: string; syncs: string }[] = [
  {
    provider: "shopify",
    name: "Shopify",
    accounts: "store",
    syncs: "Orders, refunds and customers of your store, and its storefront visits (through the web pixel metricx registers).",
  },
  {
    provider: "meta_ads",
    name: "Meta Ads",
    accounts: "ad accounts",
    syncs: "Spend, impressions, clicks and conversions of your Facebook and Instagram ad accounts.",
  },
  {
    provider: "google_ads",
    name: "Google Ads",
    accounts: "customers",
    syncs: "Cost, impressions, clicks and conversions of your Google Ads customers.",
  },
];

export const SOURCE_LABELS: Record<string, string> = {
  meta_ads: "Ads insights",
  google_ads: "Ad groups",
  shopify_orders: "Orders",
  shopify_pixel: "Storefront events",
};
