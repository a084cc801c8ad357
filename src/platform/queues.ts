import { type ConnectionOptions, type JobsOptions, Queue } from 'bullmq'
import type { Logger } from './logger.js'

/**
 * The job catalogue: each queue's name and payload. Payloads hold ids, never documents; the store is the truth.
 * Firing (reminders, events) and delivering (email, webhook) are separate queues so a slow endpoint never
 * delays a reminder's fan-out.
 */
export type JobCatalogue = {
  reminders: ReminderJobData
  events: { eventId: string }
  email: { deliveryId: string }
  webhook: { deliveryId: string; endpointId: string }
  digests: DigestJobData
}
export type QueueName = keyof JobCatalogue
export const QUEUE_NAMES: readonly QueueName[] = ['reminders', 'events', 'email', 'webhook', 'digests']

export type Queues = { [N in QueueName]: Queue<JobCatalogue[N], unknown, N> }

/**
 * A reminder job's payload: the dated item's id (under `h`, the key the first kind, hearings, gave it: jobs
 * written before deadlines existed keep firing), version and offset. Redis keeps a job's hash as a compact
 * listpack only while every field (data, opts) is at most 64 bytes (`hash-max-listpack-value`): about 465 B
 * per job instead of 870. The due instant the job was made for is part of its id.
 */
export type ReminderJobData = { h: string; v: number; o: string }

/** One digest of one address and period (src/digests/): its job id is derived from these, so it exists once. */
export type DigestJobData = { address: string; frequency: 'daily' | 'weekly'; period: string; moment: string }

/**
 * Kept long enough to make re-adding a finished job a no-op for an hour, short enough not to grow forever.
 * Reminder workers apply it as worker options (per-job options would take a reminder job out of listpack).
 */
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
  // Reminder jobs take their retention from the worker (see RETENTION).
  const defaults: Record<QueueName, JobsOptions> = {
    reminders: {},
    events: RETENTION,
    email: delivery,
    webhook: delivery,
    digests: { ...RETENTION, attempts: 5, backoff: { type: 'exponential', delay: 5000 } },
  }
  const make = <N extends QueueName>(name: N) => {
    const queue = new Queue<JobCatalogue[N], unknown, N>(name, {
      connection,
      prefix,
      defaultJobOptions: defaults[name],
    })
    queue.on('error', (err) => log.error({ err, queue: name }, 'queue error'))
    return queue
  }
  return {
    reminders: make('reminders'),
    events: make('events'),
    email: make('email'),
    webhook: make('webhook'),
    digests: make('digests'),
  }
}

export async function closeQueues(queues: Queues) {
  await Promise.all(Object.values(queues).map((q) => q.close()))
}
