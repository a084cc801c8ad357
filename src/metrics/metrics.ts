import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { EventRecord } from '../events/event.js'

/**
 * Every metric family courtbell exports (API.md "Operations"), on one registry per process. Labels carry only
 * bounded values: channels, statuses, queue names and states, route patterns, methods, status codes.
 * Counters and histograms are process-wide, as Prometheus expects of one scrape target per process.
 */
export const registry = new Registry()
collectDefaultMetrics({ register: registry })

const CHANNELS = ['email', 'webhook'] as const
const STATUSES = ['pending', 'retrying', 'succeeded', 'failed', 'missed'] as const
type Channel = (typeof CHANNELS)[number]

const deliveries = new Counter({
  name: 'courtbell_deliveries_total',
  help: 'Deliveries that entered each status (pending: created; the others: an outcome recorded)',
  labelNames: ['channel', 'status'],
  registers: [registry],
})
// Every series exists from the start, so rate() and alerts see a 0 rather than no data.
for (const channel of CHANNELS) for (const status of STATUSES) deliveries.inc({ channel, status }, 0)

const reminderLag = new Histogram({
  name: 'courtbell_reminder_lag_seconds',
  help: "From a reminder's due moment to its fan-out",
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900],
  registers: [registry],
})

const deliverySeconds = new Histogram({
  name: 'courtbell_delivery_seconds',
  help: 'From the due moment (reminders) or the event (other notices) to acceptance by the receiver',
  labelNames: ['channel'],
  buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600, 7200, 36_000],
  registers: [registry],
})

const reconcilerPass = new Histogram({
  name: 'courtbell_reconciler_pass_seconds',
  help: 'How long one reconciler pass took',
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300],
  registers: [registry],
})

const httpRequests = new Histogram({
  name: 'courtbell_http_request_seconds',
  help: 'HTTP requests by route pattern, method and status code',
  labelNames: ['route', 'method', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
})

/** Read at scrape time (src/metrics/scrape.ts), never counted. */
export const queueJobs = new Gauge({
  name: 'courtbell_queue_jobs',
  help: 'Jobs in each BullMQ queue by state, read at scrape time',
  labelNames: ['queue', 'state'],
  registers: [registry],
})
export const oldestOverdue = new Gauge({
  name: 'courtbell_oldest_overdue_seconds',
  help: 'How late the most overdue reminder or unfinished delivery is (0 when nothing is due), read at scrape time',
  registers: [registry],
})

export function countDeliveries(channel: Channel, status: string, n = 1) {
  if (n > 0) deliveries.inc({ channel, status }, n)
}

export function observeReminderLag(seconds: number) {
  reminderLag.observe(Math.max(0, seconds))
}

/** A delivery was accepted now: how long after its due moment (reminders) or its event (everything else). */
export function observeDelivered(channel: Channel, event: Pick<EventRecord, 'timestamp' | 'data'>) {
  const since = Date.parse(event.data.reminder?.dueAt ?? event.timestamp)
  if (Number.isFinite(since)) deliverySeconds.observe({ channel }, Math.max(0, (Date.now() - since) / 1000))
}

/** Times a pass that ran; one that found another worker's lock did nothing (undefined) and is not timed. */
export async function timeReconcilerPass<T>(pass: () => Promise<T | undefined>): Promise<T | undefined> {
  const end = reconcilerPass.startTimer()
  const result = await pass()
  if (result !== undefined) end()
  return result
}

export function observeHttpRequest(route: string, method: string, status: number, seconds: number) {
  httpRequests.observe({ route, method, status: String(status) }, seconds)
}
