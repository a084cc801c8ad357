import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Job } from 'bullmq'
import type { DeliveryStore } from '../deliveries/delivery.store.js'
import { named } from '../http/openapi.js'
import { Nullable } from '../http/schema.js'
import { STAFF } from '../keys/auth.js'
import type { Queues } from '../platform/queues.js'
import type { Store } from '../platform/store.js'

const Stats = Type.Object({
  deliveries: Type.Object({
    byStatus: Type.Record(Type.String(), Type.Integer(), {
      description: 'pending, retrying, succeeded, failed, missed',
    }),
    oldestDueLagMs: Nullable(
      Type.Integer({ description: 'How late the most overdue unfinished delivery is' }),
    ),
  }),
  reminders: Type.Object({
    scheduled: Type.Integer({ description: 'Reminder jobs waiting for their moment' }),
    oldestDueLagMs: Nullable(
      Type.Integer({ description: 'How late the oldest due-but-unsent reminder is; null when none is due' }),
    ),
  }),
  eventsInOutbox: Type.Integer({ description: 'Hearing changes not yet fanned out' }),
})
named(Stats, 'Stats', 'Are deliveries flowing; is anything overdue')

const dueAt = (job: Job | undefined) => (job ? job.timestamp + (job.opts.delay ?? 0) : undefined)

/** What an operator checks first: are deliveries flowing, is anything overdue. */
export const statsRoutes: FastifyPluginAsyncTypebox<{
  store: Store
  deliveries: DeliveryStore
  queues: Queues
}> = async (app, { store, deliveries, queues }) => {
  app.get(
    '/v1/stats',
    {
      config: { access: STAFF },
      schema: {
        tags: ['operations'],
        summary: 'Delivery and reminder figures',
        description:
          'Deliveries by status, how late the most overdue one is, reminders waiting, and hearing changes not yet fanned out: what an operator checks first. Staff only.',
        response: { 200: Stats },
      },
    },
    async () => {
      const now = Date.now()
      const [byStatus, overdueDeliveries, [oldestWaiting], [earliestDelayed], delayed, outbox] =
        await Promise.all([
          deliveries.counts(),
          deliveries.overdue(now, 1),
          queues.reminders.getJobs(['waiting'], 0, 0, true),
          queues.reminders.getJobs(['delayed'], 0, 0, true),
          queues.reminders.getDelayedCount(),
          store.redis.zcard(store.keys.eventOutbox),
        ])
      const due = [dueAt(oldestWaiting), dueAt(earliestDelayed)].filter(
        (t): t is number => t !== undefined && t <= now,
      )
      const oldestDelivery = overdueDeliveries[0]?.nextAttemptAt
      return {
        deliveries: {
          byStatus,
          oldestDueLagMs: oldestDelivery ? Math.max(0, now - Date.parse(oldestDelivery)) : null,
        },
        reminders: { scheduled: delayed, oldestDueLagMs: due.length > 0 ? now - Math.min(...due) : null },
        eventsInOutbox: outbox,
      }
    },
  )
}
