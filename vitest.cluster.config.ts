import { defineConfig } from 'vitest/config'

/**
 * `npm run test:cluster`: the scenarios that cover firing, rescheduling, fan-out, retries and the reconciler,
 * run again on a three-primary Redis Cluster (test/cluster/global-setup.ts) with hash-tagged prefixes.
 */
export default defineConfig({
  test: {
    include: [
      'test/e2e/reminders.test.ts',
      'test/e2e/delivery.test.ts',
      'test/faults/queue-loss.test.ts',
      'test/faults/crash-after-write.test.ts',
      'test/reminder-jobs.test.ts',
      'test/cluster/*.test.ts',
    ],
    globalSetup: ['test/cluster/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})
