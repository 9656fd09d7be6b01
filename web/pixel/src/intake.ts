// The metricx API's public URL, fixed when the bundle is built from `METRICX_API_PUBLIC_URL`
// (vite.config.ts); a build without it (the Shopify CLI's own) posts to the API's default URL.
declare const __METRICX_API_PUBLIC_URL__: string | undefined;

const apiPublicUrl =
  typeof __METRICX_API_PUBLIC_URL__ === "string" ? __METRICX_API_PUBLIC_URL__ : "http://127.0.0.1:8000";

export const INTAKE_URL = `${apiPublicUrl.replace(/\/+$/, "")}/v1/pixel/events`;
