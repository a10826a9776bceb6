import { defineConfig } from "vitest/config";

// One config for the bundle (vite build -> dist/, served by convene-server
// with --client-dir) and for both test projects:
// - unit: pure TypeScript (CRDT, sync, UI helpers) in Node, fast;
// - e2e:  a real convene-server and Debian's Chromium driven by playwright-core.
export default defineConfig({
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: true,
    target: "es2022",
  },
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each file starts its own server and browser; two cores cannot
          // run more than one such file well.
          fileParallelism: false,
        },
      },
    ],
  },
});
