import type { Config } from '../../config/index.js'
import type { Case } from '../cases/case.schema.js'
import type { DeliveryStore } from '../deliveries/delivery.store.js'
import { queueDelivery } from '../deliveries/fanout.js'
import type { EndpointStore } from '../endpoints/endpoint.store.js'
import { acquireLock } from '../platform/lock.js'
import type { Logger } from '../platform/logger.js'
import type { Queues } from '../platform/queues.js'
import type { Store } from '../platform/store.js'
import type { DatedKind, DatedKinds } from './dated-item.js'
import type { Scheduler } from './scheduler.js'

/** Events younger than this are still being queued by the API that wrote them. */
const OUTBOX_GRACE_MS = 5000
/** Short, and renewed while a pass runs: a process killed mid-pass holds up the next one by seconds only. */
const LOCK_MS = 15_000
/** Batches of items planned at once: while one waits on Redis, the next one's plans are computed. */
const BATCHES_AT_ONCE = 2
/** An unfinished delivery this far past its due attempt, with no live job, has lost its job. */
const OVERDUE_GRACE_MS = 60_000
const LIVE_JOB_STATES: readonly string[] = ['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']

/**
 * Re-derives the queues from the store: re-queues events left in the outbox and re-plans every dated item
 * yet to come, recomputing its instant from wall time + zone (a tz-database update moves reminders too).
 * Idempotent, so it is safe at start-up, on an interval and from several workers (a lock keeps it to one).
 */
export function createReconciler(deps: {
  store: Store
  kinds: DatedKinds
  scheduler: Scheduler
  deliveries: DeliveryStore
  endpoints: EndpointStore
  queues: Pick<Queues, 'events' | 'email' | 'webhook'>
  config: Pick<Config, 'jobLockMs'>
  log: Logger
}) {
  const { store, kinds, deliveries, endpoints, scheduler, queues, config, log } = deps

  async function requeueEvents(now: number): Promise<number> {
    const ids = await store.redis.zrangebyscore(
      store.keys.eventOutbox,
      '-inf',
      now - OUTBOX_GRACE_MS,
      'LIMIT',
      0,
      10_000,
    )
    if (ids.length > 0)
      await queues.events.addBulk(
        ids.map((eventId) => ({ name: 'events' as const, data: { eventId }, opts: { jobId: eventId } })),
      )
    return ids.length
  }

  /**
   * A delivery whose job vanished (queue keys lost, a job failed by stalling) would wait forever: give it a
   * new job. One that still has a live job is left alone; the processor skips finished ones anyway.
   */
  async function recoverDeliveries(now: number): Promise<number> {
    let recovered = 0
    for (const delivery of await deliveries.overdue(now - config.jobLockMs - OVERDUE_GRACE_MS)) {
      const state = await queues[delivery.channel].getJobState(delivery.jobId ?? delivery.id)
      if (LIVE_JOB_STATES.includes(state)) continue
      const jobId = `${delivery.id}_rc${now}`
      await deliveries.setStatus(delivery, delivery.status, new Date(now).toISOString(), jobId)
      await queueDelivery(queues, delivery, jobId)
      recovered++
    }
    if (recovered > 0) log.warn({ recovered }, 'deliveries whose job was lost were queued again')
    return recovered
  }

  type Totals = { items: number; replanned: number; planned: number; added: number; removed: number }

  /**
   * Checks a batch of one kind without locks, and re-plans (under their locks) only the items out of step,
   * their instants first made true to the current tz database. Never rejects: a batch that fails is logged,
   * and the next pass tries it again.
   */
  async function reconcileBatch(
    kind: DatedKind<unknown>,
    ids: readonly string[],
    now: number,
    cases: Map<string, Case | undefined>,
    totals: Totals,
  ) {
    try {
      const [batch, endpointsNow] = await Promise.all([kinds.read(ids), endpoints.all()])
      const open = batch.flatMap((found) => (found?.item.open ? [found.record] : []))
      totals.items += open.length
      const retimed = (await Promise.all(open.map((record) => kind.retime(record)))).map(kind.asItem)
      const check = await scheduler.drifted(retimed, now, { cases, endpoints: endpointsNow })
      const synced = await scheduler.syncMany(check.drifted, now)
      totals.replanned += check.drifted.length
      totals.planned += check.plannedInStep + synced.planned
      totals.added += synced.added
      totals.removed += synced.removed
    } catch (err) {
      log.error({ err, items: ids.length }, 'reconciler could not plan a batch')
    }
  }

  return {
    async pass(now = Date.now()) {
      const lock = await acquireLock(store.redis, store.keys.lock('reconciler'), LOCK_MS)
      if (!lock) return undefined
      const renew = setInterval(() => lock.renew().catch(() => undefined), LOCK_MS / 3)
      const started = Date.now()
      try {
        const events = await requeueEvents(now)
        const recovered = await recoverDeliveries(now)
        const totals: Totals = { items: 0, replanned: 0, planned: 0, added: 0, removed: 0 }
        // Cases are read once per pass: a stale one can only make the pass skip an item, never write.
        const cases = new Map<string, Case | undefined>()
        const running = new Set<Promise<void>>()
        try {
          for (const kind of kinds.all)
            for await (const ids of kind.idsFrom(new Date(now).toISOString())) {
              const batch: Promise<void> = reconcileBatch(kind, ids, now, cases, totals).finally(() =>
                running.delete(batch),
              )
              running.add(batch)
              if (running.size >= BATCHES_AT_ONCE) await Promise.race(running)
            }
        } finally {
          await Promise.all(running)
        }
        const result = {
          events,
          deliveriesRecovered: recovered,
          items: totals.items,
          itemsReplanned: totals.replanned,
          remindersPlanned: totals.planned,
          remindersAdded: totals.added,
          remindersRemoved: totals.removed,
          durationMs: Date.now() - started,
        }
        log.info(result, 'reconciler pass')
        return result
      } finally {
        clearInterval(renew)
        await lock.release().catch(() => undefined)
      }
    },
  }
}
export type Reconciler = ReturnType<typeof createReconciler>
