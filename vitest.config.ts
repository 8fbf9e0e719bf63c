import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts", "tests/**/*.test.tsx"],
    exclude: ["tests/e2e/**", "node_modules/**"],
    reporters: ["default", "./tests/summary-reporter.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
