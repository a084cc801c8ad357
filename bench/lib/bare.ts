import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type JobsOptions, Queue } from 'bullmq'
import { RETENTION } from '../../src/platform/queues.js'
import type { Ctx } from './context.js'
import { request } from './proc.js'
import { scratchDir, waitFor } from './util.js'

export type BareWorker = Awaited<ReturnType<typeof startBareWorker>>

/**
 * A bare BullMQ worker (bench/bare/worker.ts) in its own process on a prefix of its own, and a producer
 * Queue in the bench. Jobs get courtbell's retention options, so completed jobs cost the same in both;
 * `jobOptions` replaces them for jobs that courtbell adds without (reminder jobs: retention is the worker's).
 */
export async function startBareWorker(
  ctx: Ctx,
  opts: {
    name: string
    mode: 'noop' | 'webhook' | 'email'
    concurrency: number
    target?: string
    payload?: Record<string, string>
    jobOptions?: JobsOptions
  },
) {
  const prefix = `${ctx.newPrefix(`bare-${opts.name}`)}:q`
  const queueName = 'bare'
  let payloadPath: string | undefined
  if (opts.payload) {
    // Outside bench/results: only the results JSON belongs there.
    payloadPath = join(scratchDir('payload'), `bare-${opts.name}.json`)
    writeFileSync(payloadPath, JSON.stringify(opts.payload))
  }
  const env: Record<string, string> = {
    REDIS_URL: ctx.redis.url,
    BARE_PREFIX: prefix,
    BARE_QUEUE: queueName,
    BARE_MODE: opts.mode,
    BARE_CONCURRENCY: String(opts.concurrency),
    ...(opts.target ? { BARE_TARGET: opts.target } : {}),
    ...(payloadPath ? { BARE_PAYLOAD: payloadPath } : {}),
  }
  ctx.settings[`bare/${opts.name}`] = { BARE_MODE: opts.mode, BARE_CONCURRENCY: String(opts.concurrency) }
  const child = await ctx.startBare({
    name: `bare-${opts.name}`,
    script: 'bench/bare/worker.ts',
    env,
    ipc: true,
  })
  const url = new URL(ctx.redis.url)
  const queue = new Queue(queueName, {
    connection: { host: url.hostname, port: Number(url.port) },
    prefix,
    defaultJobOptions: opts.jobOptions ?? RETENTION,
  })
  queue.on('error', () => undefined)
  return {
    child,
    queue,
    prefix,
    /** Adds jobs in addBulk chunks of 1000. */
    async addAll(
      jobs: {
        name: string
        data: Record<string, unknown>
        opts: { jobId: string; delay?: number; timestamp?: number }
      }[],
    ) {
      for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000))
    },
    /** Until nothing is waiting, delayed, paused or running. */
    async idle(timeoutMs: number) {
      await waitFor(
        `bare ${opts.name} to be idle`,
        timeoutMs,
        async () => {
          const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'paused', 'prioritized')
          return Object.values(counts).every((n) => n === 0) ? true : undefined
        },
        50,
      )
    },
    /** What the no-op worker noted since the last report: start times and the jobs' due moments. */
    report: () => request<{ starts: number[]; dues: number[] }>(child, 'report'),
    async close() {
      await queue.close()
      await child.stop()
    },
  }
}
