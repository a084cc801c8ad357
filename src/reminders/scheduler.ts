import type { CaseStore } from '../cases/case.store.js'
import type { EndpointRecord } from '../endpoints/endpoint.schema.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import type { HearingStore } from '../hearings/hearing.store.js'
import { acquireLock } from '../lock.js'
import type { Logger } from '../logger.js'
import { type Queues, reminderJobId } from '../queues.js'
import type { Store } from '../store.js'
import type { Followers } from './followers.js'
import { planReminders } from './plan.js'

const PLAN_LOCK_MS = 5000

/**
 * Keeps a hearing's delayed reminder jobs equal to its plan. Job ids are derived from (hearing, version,
 * offset, due instant), so adding is idempotent and the plan can be re-applied any number of times.
 * Removing stale jobs is tidiness only: a stale job that fires anyway drops itself (see fire.ts).
 */
export function createScheduler(deps: {
  store: Store
  cases: CaseStore
  hearings: HearingStore
  followers: Followers
  queues: Pick<Queues, 'reminders'>
  log: Logger
}) {
  const { store, cases, hearings, followers, queues, log } = deps
  const { redis, keys } = store

  /**
   * Plans one hearing, as it is stored now. Plans of one hearing never interleave (a short lock per
   * hearing): every write is followed by a plan that starts after it, so the last plan to run sees the
   * last write, whichever API replica or reconciler runs it.
   */
  async function sync(
    hearing: Hearing,
    now = Date.now(),
    endpointsNow?: readonly EndpointRecord[],
  ): Promise<{ planned: number; added: number; removed: number }> {
    const lock = await acquireLock(redis, keys.lock(`plan:${hearing.id}`), PLAN_LOCK_MS, PLAN_LOCK_MS)
    if (!lock) throw new Error(`reminders of ${hearing.id} are being planned elsewhere for too long`)
    try {
      return await syncLatest((await hearings.get(hearing.id)) ?? hearing, now, endpointsNow)
    } finally {
      await lock.release().catch(() => undefined)
    }
  }

  async function syncLatest(
    hearing: Hearing,
    now: number,
    endpointsNow?: readonly EndpointRecord[],
  ): Promise<{ planned: number; added: number; removed: number }> {
    const kase = await cases.get(hearing.caseId)
    const offsets = kase ? await followers.offsetsFor(hearing, kase, endpointsNow) : []
    // Jobs of this version whose moment has passed stay: they may be due and not yet fired.
    const all = planReminders(hearing, offsets)
    const current = new Set(all.map(reminderJobId))
    const planned = all.filter((p) => Date.parse(p.dueAt) > now)
    const known = await redis.smembers(keys.reminderJobs(hearing.id))

    const stale = known.filter((id) => !current.has(id))
    for (const id of stale) {
      // A job that is running cannot be removed; it will re-check the hearing and drop itself.
      await queues.reminders.remove(id).catch(() => undefined)
    }
    if (stale.length > 0) await redis.srem(keys.reminderJobs(hearing.id), ...stale)
    if (planned.length > 0) {
      await redis.sadd(keys.reminderJobs(hearing.id), ...planned.map(reminderJobId))
      // The delay counts from this moment, not from `now`: a long reconciler pass must not make jobs late.
      await queues.reminders.addBulk(
        planned.map((p) => ({
          name: 'reminders' as const,
          data: p,
          opts: { jobId: reminderJobId(p), delay: Math.max(0, Date.parse(p.dueAt) - Date.now()) },
        })),
      )
    }
    const added = planned.filter((p) => !known.includes(reminderJobId(p))).length
    if (added > 0 || stale.length > 0)
      log.info(
        {
          hearingId: hearing.id,
          version: hearing.version,
          reminders: planned.map((p) => `${p.remindBefore}@${p.dueAt}`),
          removed: stale.length,
        },
        'reminders scheduled',
      )
    return { planned: planned.length, added, removed: stale.length }
  }

  /** Applies the plan for every hearing in the list, logging (not throwing) per hearing so one bad record stops nothing. */
  async function syncAll(hearingIds: readonly string[]) {
    let added = 0
    for (const hearing of await store.getMany<Hearing>(hearingIds)) {
      if (hearing?.status !== 'scheduled') continue
      try {
        added += (await sync(hearing)).added
      } catch (err) {
        log.error({ err, hearingId: hearing.id }, 'could not schedule reminders')
      }
    }
    return added
  }

  return {
    sync,
    syncAll,
    /** Re-plans every hearing yet to begin, of the given cases or of all (after followers changed). */
    async syncUpcoming(caseIds: readonly string[] | null) {
      const from = new Date().toISOString()
      let added = 0
      for (const caseId of caseIds ?? [undefined])
        for await (const ids of hearings.idsStartingFrom(from, caseId === undefined ? {} : { caseId }))
          added += await syncAll(ids)
      return added
    },
  }
}
export type Scheduler = ReturnType<typeof createScheduler>
