import { type ConnectionOptions, type Job, Worker } from 'bullmq'
import { RetryLater, retryDelay } from '../src/deliveries/outcome.js'
import type { Mailer } from '../src/email/mailer.js'
import { timeReconcilerPass } from '../src/metrics/metrics.js'
import { type JobCatalogue, type QueueName, RETENTION } from '../src/platform/queues.js'
import { createReconciler } from '../src/reminders/reconciler.js'
import type { Services } from '../src/services.js'
import { emailProcessor } from './email.processor.js'
import { eventProcessor } from './event.processor.js'
import { webhookProcessor } from './webhook.processor.js'

export type Workers = {
  close(graceMs: number): Promise<boolean>
  reconcileNow(): Promise<unknown>
  planDigestsNow(): Promise<unknown>
}

/** How many jobs of each queue one process works on at once: firing is cheap, delivering waits on the network. */
const CONCURRENCY: Record<QueueName, number> = {
  reminders: 20,
  events: 10,
  email: 10,
  webhook: 50,
  digests: 5,
}

/** Starts every BullMQ worker and the reconciler (at once, then on its interval). */
export function startWorkers(
  services: Services,
  opts: { connection: ConnectionOptions; mailer: Mailer },
): Workers {
  const { config, log } = services
  const prefix = services.store.keys.queuePrefix
  const processors: { [N in QueueName]: (job: Job<JobCatalogue[N]>) => Promise<unknown> } = {
    reminders: (job) => services.fireReminder(job),
    events: eventProcessor(services),
    email: emailProcessor(services, opts.mailer),
    webhook: webhookProcessor(services, opts.mailer),
    digests: (job) => services.digests.sender.send(job.data),
  }
  const workers = (Object.keys(processors) as QueueName[]).map((name) => {
    const worker = new Worker(name, processors[name] as (job: Job) => Promise<unknown>, {
      connection: opts.connection,
      prefix,
      concurrency: CONCURRENCY[name],
      // A killed worker's jobs go back to the queue once their lock lapses (renewed every half of it, so it
      // lapses at most jobLockMs after the kill) and the next stalled check sees it (every half too): within
      // 1.5 × jobLockMs, 7.5 s by default. A job may stall a few times (crashes in a row) before BullMQ gives up.
      lockDuration: config.jobLockMs,
      stalledInterval: Math.ceil(config.jobLockMs / 2),
      maxStalledCount: 5,
      // After a lost connection (a Redis restart, a Sentinel failover) BullMQ waits this long before asking
      // for jobs again; its default of 15 s could leave reminders due just after a failover 15 s late.
      runRetryDelay: 1000,
      // For jobs that carry no retention of their own (reminder jobs: see RETENTION).
      ...RETENTION,
      settings: {
        backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
          retryDelay(
            config.retryScheduleMs,
            attemptsMade,
            err instanceof RetryLater ? err.retryAfterMs : undefined,
          ),
      },
    })
    worker.on('error', (err) => log.error({ err, queue: name }, 'worker error'))
    worker.on('failed', (job, err) => {
      if (!(err instanceof RetryLater)) log.error({ err, queue: name, jobId: job?.id }, 'job failed')
    })
    return worker
  })

  const reconciler = createReconciler({ ...services })
  const reconcile = () =>
    timeReconcilerPass(() => reconciler.pass()).catch((err) => log.error({ err }, 'reconciler pass failed'))
  // Digests are planned from the subscriptions like reminders from the items: at start, then on the interval.
  const planDigests = () =>
    services.digests.planner.pass().catch((err) => log.error({ err }, 'digest pass failed'))
  const pass = () => Promise.all([reconcile(), planDigests()])
  void pass()
  const timer = setInterval(pass, config.reminders.reconcileIntervalMs)
  timer.unref()

  return {
    reconcileNow: reconcile,
    planDigestsNow: planDigests,
    /** Stops taking jobs and waits for those in flight, up to graceMs. True when everything finished in time. */
    async close(graceMs: number) {
      clearInterval(timer)
      const closing = Promise.all(workers.map((w) => w.close())).then(() => true)
      const timeout = new Promise<boolean>((resolve) => setTimeout(resolve, graceMs, false).unref())
      return Promise.race([closing, timeout])
    },
  }
}
