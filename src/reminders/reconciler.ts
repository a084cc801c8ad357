import { randomUUID } from 'node:crypto'
import type { Config } from '../../config/index.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import type { HearingStore } from '../hearings/hearing.store.js'
import type { Logger } from '../logger.js'
import type { Queues } from '../queues.js'
import type { Store } from '../store.js'
import { isTimeProblem, parseHearingTime } from '../time.js'
import type { Scheduler } from './scheduler.js'

/** Events younger than this are still being queued by the API that wrote them. */
const OUTBOX_GRACE_MS = 5000
const LOCK_MS = 10 * 60 * 1000

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`

/**
 * Re-derives the queues from the store: re-queues events left in the outbox and re-plans every hearing
 * yet to begin, recomputing its instant from wall time + zone (a tz-database update moves reminders too).
 * Idempotent, so it is safe at start-up, on an interval and from several workers (a lock keeps it to one).
 */
export function createReconciler(deps: {
  store: Store
  hearings: HearingStore
  scheduler: Scheduler
  queues: Pick<Queues, 'events'>
  config: Pick<Config, 'reminders'>
  log: Logger
}) {
  const { store, hearings, scheduler, queues, config, log } = deps
  const lockKey = `${store.keys.prefix}:lock:reconciler`

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

  /** Keeps the stored instant true to the current tz database. */
  async function retime(hearing: Hearing): Promise<Hearing> {
    const parsed = parseHearingTime(hearing.startsAt, hearing.timeZone, config.reminders.courtDayStart)
    if (isTimeProblem(parsed) || parsed.startsAtUtc === hearing.startsAtUtc) return hearing
    const next = { ...hearing, startsAtUtc: parsed.startsAtUtc, updatedAt: new Date().toISOString() }
    await hearings.save(next, hearing)
    log.warn(
      { hearingId: hearing.id, was: hearing.startsAtUtc, now: next.startsAtUtc },
      'hearing instant changed with the tz database',
    )
    return next
  }

  return {
    async pass(now = Date.now()) {
      const token = randomUUID()
      if ((await store.redis.set(lockKey, token, 'PX', LOCK_MS, 'NX')) === null) return undefined
      const started = Date.now()
      try {
        const events = await requeueEvents(now)
        let hearingsSeen = 0
        let planned = 0
        for await (const ids of hearings.idsStartingFrom(new Date(now).toISOString())) {
          for (const hearing of await store.getMany<Hearing>(ids)) {
            if (hearing?.status !== 'scheduled') continue
            hearingsSeen++
            try {
              planned += (await scheduler.sync(await retime(hearing), now)).planned
            } catch (err) {
              log.error({ err, hearingId: hearing.id }, 'reconciler could not plan a hearing')
            }
          }
        }
        const result = {
          events,
          hearings: hearingsSeen,
          remindersPlanned: planned,
          durationMs: Date.now() - started,
        }
        log.info(result, 'reconciler pass')
        return result
      } finally {
        await store.redis.eval(RELEASE, 1, lockKey, token)
      }
    },
  }
}
export type Reconciler = ReturnType<typeof createReconciler>
