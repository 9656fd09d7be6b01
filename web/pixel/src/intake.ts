// The metricx API's public URL, fixed when the bundle is built: both `npm run build:pixel`
// (vite.config.ts) and the Shopify CLI's own build (which hands its environment to esbuild's
// define) replace `process.env.METRICX_API_PUBLIC_URL` with the variable's value.
declare const process: { env: Record<string, string | undefined> };

function apiPublicUrl(): string {
  try {
    return process.env.METRICX_API_PUBLIC_URL || "http://127.0.0.1:8000";
  } catch {
    // Built without the variable: no `process` in the pixel's sandbox. The API's default URL.
    return "http://127.0.0.1:8000";
  }
}

export const INTAKE_URL = `${apiPublicUrl().replace(/\/+$/, "")}/v1/pixel/events`;
