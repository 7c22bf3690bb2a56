import { defineConfig } from 'vitest/config';

// Slow machines (node under qemu-user: npm run test:arm64) stretch every time limit; tests
// with their own limit use timeLimit() from test/helpers.ts.
const scale = Math.max(1, Number(process.env.PQWIRE_TEST_TIME_SCALE || 1) || 1);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60000 * scale,
    hookTimeout: 10000 * scale,
    // The type tests (test/*.test-d.ts) pin the public types; tsc runs them.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: 'test/tsconfig.json' },
  },
});
