import { type ConnectionOptions, type JobsOptions, Queue } from 'bullmq'
import type { Logger } from './logger.js'

/**
 * The job catalogue: each queue's name and payload. Payloads hold ids, never documents; the store is the truth.
 * Firing (reminders, events) and delivering (email, webhook) are separate queues so a slow endpoint never
 * delays a reminder's fan-out.
 */
export type JobCatalogue = {
  reminders: { hearingId: string; version: number; remindBefore: string; dueAt: string }
  events: { eventId: string }
  email: { deliveryId: string }
  webhook: { deliveryId: string }
}
export type QueueName = keyof JobCatalogue
export const QUEUE_NAMES: readonly QueueName[] = ['reminders', 'events', 'email', 'webhook']

export type Queues = { [N in QueueName]: Queue<JobCatalogue[N], unknown, N> }

/** Kept long enough to make re-adding a finished job a no-op for an hour, short enough not to grow forever. */
export const RETENTION = {
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
}

/**
 * Producers' handles on every queue. Deliveries get one attempt plus one per step of the retry schedule;
 * the delays themselves come from the workers' backoff strategy.
 */
export function createQueues(
  connection: ConnectionOptions,
  opts: { prefix: string; retryScheduleMs: readonly number[]; log: Logger },
): Queues {
  const { prefix, log } = opts
  const delivery: JobsOptions = {
    ...RETENTION,
    attempts: opts.retryScheduleMs.length + 1,
    backoff: { type: 'custom' },
  }
  const make = <N extends QueueName>(name: N) => {
    const defaultJobOptions = name === 'email' || name === 'webhook' ? delivery : RETENTION
    const queue = new Queue<JobCatalogue[N], unknown, N>(name, { connection, prefix, defaultJobOptions })
    queue.on('error', (err) => log.error({ err, queue: name }, 'queue error'))
    return queue
  }
  return {
    reminders: make('reminders'),
    events: make('events'),
    email: make('email'),
    webhook: make('webhook'),
  }
}

export async function closeQueues(queues: Queues) {
  await Promise.all(Object.values(queues).map((q) => q.close()))
}

/** BullMQ job ids must not contain ':' nor be all digits; ours are built from prefixed ids and never are. */
export const reminderJobId = (p: JobCatalogue['reminders']) =>
  `rem_${p.hearingId}_v${p.version}_${p.remindBefore}_${Date.parse(p.dueAt)}`
