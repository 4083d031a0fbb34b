import { defineConfig } from 'vitest/config';

/** Checks on the built package in dist/ (run after `npm run build`). No source aliases here. */
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    globalSetup: ['test/package/global-setup.ts'],
    testTimeout: 60_000,
  },
});
