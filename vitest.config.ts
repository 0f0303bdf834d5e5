import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` needs nothing running; `integration` talks to the real Kafka broker, S3Proxy,
 * PostgreSQL and MariaDB, which its global setup starts (or reuses) and which fail the run loudly if absent.
 */
export default defineConfig({
  test: {
    // The AWS SDK warns on every process that its 2027 releases will need Node 22; once is in the README.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-infra.ts'],
          testTimeout: 60_000,
          hookTimeout: 240_000,
          // The suites share one broker and one object store; running files one at a time keeps
          // their timing honest on a 2-core machine.
          fileParallelism: false,
        },
      },
      {
        test: {
          // Kills, stops and restarts servers: each file starts a private Kafka broker and S3Proxy of its
          // own (test/faults/support/private-infra.ts), never touching the shared ones the other suites use.
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          globalSetup: ['test/support/global-infra.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
