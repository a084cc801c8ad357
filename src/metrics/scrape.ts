import type { Job } from 'bullmq'
import type { DeliveryStore } from '../deliveries/delivery.store.js'
import { QUEUE_NAMES, type Queues } from '../platform/queues.js'
import { oldestOverdue, queueJobs } from './metrics.js'

const STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'failed',
  'completed',
] as const

const dueAt = (job: Job | undefined) => (job ? job.timestamp + (job.opts.delay ?? 0) : undefined)

/** Sets the gauges that describe the queues now: read when Prometheus scrapes, never kept up to date. */
export async function readQueueGauges(queues: Queues, deliveries: Pick<DeliveryStore, 'overdue'>) {
  const now = Date.now()
  const [counts, [overdueDelivery], [oldestWaiting], [earliestDelayed]] = await Promise.all([
    Promise.all(QUEUE_NAMES.map((name) => queues[name].getJobCounts(...STATES))),
    deliveries.overdue(now, 1),
    queues.reminders.getJobs(['waiting'], 0, 0, true),
    queues.reminders.getJobs(['delayed'], 0, 0, true),
  ])
  queueJobs.reset()
  for (const [i, name] of QUEUE_NAMES.entries())
    for (const state of STATES) queueJobs.set({ queue: name, state }, counts[i]?.[state] ?? 0)
  const due = [
    dueAt(oldestWaiting),
    dueAt(earliestDelayed),
    overdueDelivery?.nextAttemptAt ? Date.parse(overdueDelivery.nextAttemptAt) : undefined,
  ].filter((t): t is number => t !== undefined && t <= now)
  oldestOverdue.set(due.length > 0 ? (now - Math.min(...due)) / 1000 : 0)
}
