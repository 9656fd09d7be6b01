/// <reference types="vitest/config" />
import { defineConfig, loadEnv } from "vite";

// The single script Shopify loads: the pixel and the `register` of @shopify/web-pixels-extension
// in one IIFE, posting to the API at METRICX_API_PUBLIC_URL (as the API's own setting says where
// browsers reach it). Run from web/: `npm run build:pixel`, `npm run test:pixel`.
export default defineConfig(({ mode }) => {
  const apiPublicUrl = loadEnv(mode, ".", "METRICX_").METRICX_API_PUBLIC_URL;
  return {
    root: "pixel",
    define: apiPublicUrl
      ? { "process.env.METRICX_API_PUBLIC_URL": JSON.stringify(apiPublicUrl) }
      : {},
    build: {
      outDir: "dist",
      emptyOutDir: true,
      target: "es2020",
      lib: {
        entry: "src/index.ts",
        formats: ["iife"],
        name: "metricxPixel",
        fileName: () => "metricx-pixel.js",
      },
    },
    test: { environment: "node" },
  };
});
