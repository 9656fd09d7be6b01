/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";
import { defineConfig } from "vite";

// `npm run dev` proxies the API (`metricx api` or `make demo` on :8000): one origin, as served.
export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: { proxy: { "/v1": "http://127.0.0.1:8000" } },
  build: { chunkSizeWarningLimit: 700 },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test-setup.ts"],
    css: false,
    // The pixel (pixel/) has its own tests and environment: `npm run test:pixel`.
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
