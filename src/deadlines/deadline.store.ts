import { splitJurisdiction } from '../court-calendar/holidays.js'
import type { EventRecord } from '../events/event.js'
import { notFound } from '../platform/errors.js'
import { indexMember, type Store, saveIfUnchangedArgs, timeKey } from '../platform/store.js'
import { computationSpan } from './compute.js'
import type { Deadline, DeadlineStatus } from './deadline.schema.js'

const byDue = (d: Pick<Deadline, 'id' | 'dueAtUtc'>) => indexMember(timeKey(d.dueAtUtc), d.id)

/** The calendars whose overrides can move a computed deadline: its case's jurisdiction, and its country's. */
const calendarsOf = (jurisdiction: string) => {
  const { country } = splitJurisdiction(jurisdiction)
  return country === jurisdiction ? [jurisdiction] : [jurisdiction, country]
}
/** Member of a calendar index: the last date the computation looked at first, so a range read finds spans reaching a date. */
function spanMember(d: Deadline): string | undefined {
  if (!d.computation || !d.trigger) return undefined
  const { first, last } = computationSpan(d.trigger.date, { dueOn: d.dueOn })
  return `${last}|${first}|${d.id}`
}

/**
 * Deadlines: JSON records, ordered by due instant (all, and per case), and — while open and computed — found by
 * what they were computed from: their rule, their trigger hearing, and the dates their computation spans on
 * their calendar (so an override of one date finds exactly the deadlines counted over it).
 */
export function createDeadlineStore({ store }: { store: Store }) {
  const { redis, keys } = store
  const byRule = (ruleId: string) => keys.index(`deadlines-by-rule:${ruleId}`)
  const byHearing = (hearingId: string) => keys.index(`deadlines-by-hearing:${hearingId}`)
  const byCalendar = (jurisdiction: string) => keys.index(`deadlines-by-calendar:${jurisdiction}`)

  /** Secondary indexes follow the record; a stale entry is harmless (recomputing re-reads the record). */
  function indexWrites(
    tx: ReturnType<typeof redis.pipeline>,
    next: Deadline,
    previous: Deadline | undefined,
  ) {
    const drop = (d: Deadline) => {
      if (d.ruleId) tx.srem(byRule(d.ruleId), d.id)
      if (d.trigger?.hearingId) tx.srem(byHearing(d.trigger.hearingId), d.id)
      const member = spanMember(d)
      if (member && d.computation)
        for (const j of calendarsOf(d.computation.jurisdiction)) tx.zrem(byCalendar(j), member)
    }
    if (previous) drop(previous)
    if (next.status !== 'open') return
    if (next.ruleId) tx.sadd(byRule(next.ruleId), next.id)
    if (next.trigger?.hearingId) tx.sadd(byHearing(next.trigger.hearingId), next.id)
    const member = spanMember(next)
    if (member && next.computation)
      for (const j of calendarsOf(next.computation.jurisdiction)) tx.zadd(byCalendar(j), 0, member)
  }

  const saveArgs = (next: Deadline, previous: Deadline | undefined, event?: EventRecord) =>
    saveIfUnchangedArgs(keys, {
      id: next.id,
      next,
      previous,
      indexes: ['deadlines', `case-deadlines:${next.caseId}`],
      member: { next: byDue(next), previous: previous && byDue(previous) },
      event,
    })

  return {
    get: (id: string) => (id.startsWith('dln_') ? store.get<Deadline>(id) : Promise.resolve(undefined)),

    async mustGet(id: string): Promise<Deadline> {
      const found = id.startsWith('dln_') ? await store.get<Deadline>(id) : undefined
      if (!found) throw notFound('Deadline', id)
      return found
    },

    getMany: (ids: readonly string[]) => store.getMany<Deadline>(ids),

    /**
     * The deadline, its due indexes and the event it causes in one atomic step, only if the stored record is
     * still `previous` (compare-and-set; undefined: only if none exists). False when someone else wrote first.
     */
    async save(next: Deadline, previous: Deadline | undefined, event?: EventRecord): Promise<boolean> {
      const saved = (await redis.eval(...saveArgs(next, previous, event))) === 1
      if (saved) {
        const tx = redis.pipeline()
        indexWrites(tx, next, previous)
        if (tx.length > 0) await tx.exec()
      }
      return saved
    },

    /** Many compare-and-sets in one round trip (recomputing after an override); which ones were saved. */
    async saveMany(
      changes: readonly { next: Deadline; previous: Deadline; event?: EventRecord | undefined }[],
    ): Promise<boolean[]> {
      if (changes.length === 0) return []
      const tx = redis.pipeline()
      for (const { next, previous, event } of changes) tx.eval(...saveArgs(next, previous, event))
      const saved = ((await tx.exec()) ?? []).map(([err, reply]) => !err && reply === 1)
      const indexes = redis.pipeline()
      for (const [i, { next, previous }] of changes.entries())
        if (saved[i]) indexWrites(indexes, next, previous)
      if (indexes.length > 0) await indexes.exec()
      return saved
    },

    list(opts: {
      caseId?: string | undefined
      status?: DeadlineStatus | undefined
      from?: string | undefined
      to?: string | undefined
      limit: number
      cursor?: string | undefined
      keep?: (d: Deadline) => boolean
    }) {
      const { status, keep } = opts
      const filter =
        status === undefined && keep === undefined
          ? undefined
          : (d: Deadline) => (status === undefined || d.status === status) && (keep === undefined || keep(d))
      return store.page<Deadline>(opts.caseId === undefined ? 'deadlines' : `case-deadlines:${opts.caseId}`, {
        limit: opts.limit,
        cursor: opts.cursor,
        ...(opts.from ? { min: `[${timeKey(opts.from)}` } : {}),
        ...(opts.to ? { max: `(${timeKey(opts.to)}` } : {}),
        ...(filter ? { keep: filter } : {}),
      })
    },

    /** Ids of deadlines due at or after `from`, in due order, a batch at a time (for the reconciler). */
    idsDueFrom: (from: string, opts: { caseId?: string; batch?: number } = {}) =>
      store.idsFrom(opts.caseId ? `case-deadlines:${opts.caseId}` : 'deadlines', from, opts.batch),

    /** Open computed deadlines of a rule. */
    idsByRule: (ruleId: string) => redis.smembers(byRule(ruleId)),
    /** Open deadlines triggered by a hearing. */
    idsByHearing: (hearingId: string) => redis.smembers(byHearing(hearingId)),
    /** Open computed deadlines counted on this calendar over `date` (from the day after the trigger to the due day). */
    async idsOverDate(jurisdiction: string, date: string): Promise<string[]> {
      const members = await redis.zrangebylex(byCalendar(jurisdiction), `[${date}`, '+')
      return members.flatMap((m) => {
        const [, first, id] = m.split('|')
        return first !== undefined && id !== undefined && first <= date ? [id] : []
      })
    },
  }
}
export type DeadlineStore = ReturnType<typeof createDeadlineStore>
