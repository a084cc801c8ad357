import type { Case } from '../cases/case.schema.js'
import type { EndpointRecord } from '../endpoints/endpoint.schema.js'
import type { EndpointStore } from '../endpoints/endpoint.store.js'
import { acquireLock, tryLocks } from '../platform/lock.js'
import type { Logger } from '../platform/logger.js'
import type { Queues } from '../platform/queues.js'
import type { Store } from '../platform/store.js'
import type { DatedItem, DatedKinds } from './dated-item.js'
import type { Followers } from './followers.js'
import { reminderJob, reminderJobId } from './jobs.js'
import { type PlannedReminder, planReminders } from './plan.js'

const PLAN_LOCK_MS = 5000
/** Jobs per addBulk: each delay is counted just before its call, so a long batch does not make jobs late. */
const ADD_CHUNK = 100
/** Stale jobs removed at once. */
const REMOVE_CHUNK = 100

export type SyncOutcome = { planned: number; added: number; removed: number }

/** An item's plan: the ids of every job of its version, and the reminders still ahead (those get a job). */
type Plan = { item: DatedItem; current: Set<string>; ahead: { reminder: PlannedReminder; jobId: string }[] }
/** What the queue holds for a plan: the job ids the item has made, and which jobs still ahead have no key. */
type JobState = { known: string[]; missing: Set<string> }

/**
 * Keeps a dated item's delayed reminder jobs equal to its plan, whatever its kind. Job ids are derived from
 * (item, version, offset, due instant), so adding is idempotent and the plan can be re-applied any number of
 * times. Removing stale jobs is tidiness only: a stale job that fires anyway drops itself (see fire.ts).
 */
export function createScheduler(deps: {
  store: Store
  kinds: DatedKinds
  endpoints: Pick<EndpointStore, 'all'>
  followers: Followers
  queues: Pick<Queues, 'reminders'>
  log: Logger
}) {
  const { store, kinds, endpoints, followers, queues, log } = deps
  const { redis, keys } = store
  const planLock = (itemId: string) => keys.lock(`plan:${itemId}`)

  /** Cases by id, reading only those the cache lacks (and remembering them there). */
  async function casesOf(list: readonly DatedItem[], cache = new Map<string, Case | undefined>()) {
    const unread = [...new Set(list.map((h) => h.caseId))].filter((id) => !cache.has(id))
    for (const [i, kase] of (await store.getMany<Case>(unread)).entries())
      cache.set(unread[i] as string, kase)
    return cache
  }

  /** The plan of each item; one whose record cannot be planned (a bad instant or zone) is logged and left out. */
  async function planEach(
    list: readonly DatedItem[],
    cases: ReadonlyMap<string, Case | undefined>,
    endpointsNow: readonly EndpointRecord[],
    now: number,
  ): Promise<Plan[]> {
    // An item whose case is gone has no followers, so no reminders.
    const followed = list.flatMap((item) => {
      const kase = cases.get(item.caseId)
      const kind = kinds.kindOf(item.id)
      return kase && kind ? [{ item, kase, reminderType: kind.reminderType }] : []
    })
    const wanted = await followers.offsetsFor(followed, endpointsNow)
    const offsets = new Map(followed.map(({ item }, i) => [item.id, wanted[i] ?? []]))
    return list.flatMap((item) => {
      try {
        // Jobs of this version whose moment has passed stay: they may be due and not yet fired.
        const all = planReminders(item, offsets.get(item.id) ?? []).map((reminder) => ({
          reminder,
          jobId: reminderJobId(reminder),
        }))
        const ahead = all.filter((p) => Date.parse(p.reminder.dueAt) > now)
        return [{ item, current: new Set(all.map((p) => p.jobId)), ahead }]
      } catch (err) {
        log.error({ err, itemId: item.id }, 'could not plan reminders')
        return []
      }
    })
  }

  /** One round trip: each plan's known job ids, and whether each job still ahead has its BullMQ key. */
  async function jobStates(plans: readonly Plan[]): Promise<JobState[]> {
    if (plans.length === 0) return []
    const tx = redis.pipeline()
    for (const { item, ahead } of plans) {
      tx.hkeys(keys.reminderJobs(item.id))
      for (const { jobId } of ahead) tx.exists(queues.reminders.toKey(jobId))
    }
    const replies = ((await tx.exec()) ?? []).map(([err, reply]) => {
      if (err) throw err
      return reply
    })
    let at = 0
    return plans.map(({ ahead }) => {
      const known = replies[at++] as string[]
      const missing = new Set(ahead.filter(() => replies[at++] === 0).map((p) => p.jobId))
      return { known, missing }
    })
  }

  const stale = (plan: Plan, state: JobState) => state.known.filter((id) => !plan.current.has(id))
  const unindexed = (plan: Plan, state: JobState) =>
    plan.ahead.map((p) => p.jobId).filter((id) => !state.known.includes(id))

  /**
   * Plans items whose plan locks the caller holds. Everything the plan depends on is read after the locks
   * were taken, so it reflects every write that came before them.
   */
  async function planHeld(given: readonly DatedItem[], now: number): Promise<SyncOutcome> {
    const total = { planned: 0, added: 0, removed: 0 }
    if (given.length === 0) return total
    const [stored, endpointsNow] = await Promise.all([kinds.read(given.map((i) => i.id)), endpoints.all()])
    const latest = given.map((item, i) => stored[i]?.item ?? item)
    const plans = await planEach(latest, await casesOf(latest), endpointsNow, now)
    const states = await jobStates(plans)

    const tx = redis.pipeline()
    const toAdd: Plan['ahead'] = []
    const removals: string[] = []
    for (const [i, plan] of plans.entries()) {
      const state = states[i] as JobState
      const gone = stale(plan, state)
      removals.push(...gone)
      // A hash rather than a set: a few short fields stay a listpack on every Redis version (a set of
      // strings does only from 7.2 on). The values are unused.
      const known = keys.reminderJobs(plan.item.id)
      if (gone.length > 0) tx.hdel(known, ...gone)
      const newIds = unindexed(plan, state)
      if (newIds.length > 0) tx.hset(known, Object.fromEntries(newIds.map((id) => [id, ''])))
      const added = plan.ahead.filter((p) => state.missing.has(p.jobId))
      toAdd.push(...added)
      total.planned += plan.ahead.length
      total.added += added.length
      total.removed += gone.length
      if (added.length > 0 || gone.length > 0)
        log.info(
          {
            itemId: plan.item.id,
            version: plan.item.version,
            reminders: plan.ahead.map(({ reminder: r }) => `${r.remindBefore}@${r.dueAt}`),
            added: added.length,
            removed: gone.length,
          },
          'reminders scheduled',
        )
    }
    // Removed side by side, not one round trip each (an override can move thousands of deadlines at once). A job
    // that is running cannot be removed; it will re-check the item and drop itself.
    for (let i = 0; i < removals.length; i += REMOVE_CHUNK)
      await Promise.all(
        removals.slice(i, i + REMOVE_CHUNK).map((id) => queues.reminders.remove(id).catch(() => undefined)),
      )
    // The known ids are written first: a crash in between leaves an id without its job, which the next plan adds.
    if (tx.length > 0) await tx.exec()
    for (let i = 0; i < toAdd.length; i += ADD_CHUNK) {
      const at = Date.now()
      await queues.reminders.addBulk(
        toAdd.slice(i, i + ADD_CHUNK).map((p) => reminderJob(p.reminder, at, p.jobId)),
      )
    }
    return total
  }

  /**
   * Plans one item, as it is stored now. Plans of one item never interleave (a short lock per item): every
   * write is followed by a plan that starts after it, so the last plan to run sees the last write, whichever
   * API replica or reconciler runs it.
   */
  async function sync(item: DatedItem, now = Date.now()): Promise<SyncOutcome> {
    const lock = await acquireLock(redis, planLock(item.id), PLAN_LOCK_MS, PLAN_LOCK_MS)
    if (!lock) throw new Error(`reminders of ${item.id} are being planned elsewhere for too long`)
    try {
      return await planHeld([item], now)
    } finally {
      await lock.release().catch(() => undefined)
    }
  }

  /**
   * Plans many items, with the same guarantee as `sync`: the locks of all in one round trip, one read of
   * each kind and one addBulk for those; an item being planned elsewhere waits for its own `sync` after
   * (never waiting while holding the others' locks). An item that cannot be planned is logged and
   * stops nothing.
   */
  async function syncMany(list: readonly DatedItem[], now = Date.now()): Promise<SyncOutcome> {
    if (list.length === 0) return { planned: 0, added: 0, removed: 0 }
    const locks = await tryLocks(
      redis,
      list.map((h) => planLock(h.id)),
      PLAN_LOCK_MS,
    )
    let total: SyncOutcome
    try {
      total = await planHeld(
        list.filter((_, i) => locks.held[i]),
        now,
      )
    } finally {
      await locks.release().catch(() => undefined)
    }
    for (const item of list.filter((_, i) => !locks.held[i])) {
      try {
        const one = await sync(item, now)
        total.planned += one.planned
        total.added += one.added
        total.removed += one.removed
      } catch (err) {
        log.error({ err, itemId: item.id }, 'could not schedule reminders')
      }
    }
    return total
  }

  /**
   * Splits items into those whose queue state differs from their plan (a job still ahead has no key, the
   * known ids lack one or hold one the plan no longer has) and those in step, without a lock or a write. A
   * plan made from a moment-old read can only miss a change whose writer plans after it anyway.
   */
  async function drifted(
    list: readonly DatedItem[],
    now: number,
    seen: { cases: Map<string, Case | undefined>; endpoints: readonly EndpointRecord[] },
  ): Promise<{ drifted: DatedItem[]; plannedInStep: number }> {
    const plans = await planEach(list, await casesOf(list, seen.cases), seen.endpoints, now)
    const states = await jobStates(plans)
    const out: DatedItem[] = []
    let plannedInStep = 0
    for (const [i, plan] of plans.entries()) {
      const state = states[i] as JobState
      if (state.missing.size > 0 || stale(plan, state).length > 0 || unindexed(plan, state).length > 0)
        out.push(plan.item)
      else plannedInStep += plan.ahead.length
    }
    return { drifted: out, plannedInStep }
  }

  /** Plans every open item in the list, from their stored records. */
  async function syncAll(itemIds: readonly string[]) {
    const open = (await kinds.read(itemIds)).flatMap((r) => (r?.item.open ? [r.item] : []))
    return (await syncMany(open)).added
  }

  return {
    sync,
    syncMany,
    drifted,
    /** Re-plans the items followed through a target other than a case (after its followers changed). */
    async syncFollowing(targetId: string) {
      let added = 0
      for (const kind of kinds.all) added += await syncAll(await kind.idsFollowedVia(targetId))
      return added
    },
    /** Re-plans every item yet to come, of the given cases or of all (after followers changed). */
    async syncUpcoming(caseIds: readonly string[] | null) {
      const from = new Date().toISOString()
      let added = 0
      for (const kind of kinds.all)
        for (const caseId of caseIds ?? [undefined])
          for await (const ids of kind.idsFrom(from, caseId === undefined ? {} : { caseId }))
            added += await syncAll(ids)
      return added
    },
  }
}
export type Scheduler = ReturnType<typeof createScheduler>
