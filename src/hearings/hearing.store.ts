import { notFound } from '../errors.js'
import type { EventRecord } from '../events/event.js'
import { indexMember, memberId, type Store, timeKey } from '../store.js'
import type { Hearing, HearingStatus } from './hearing.schema.js'

const byStart = (h: Pick<Hearing, 'id' | 'startsAtUtc'>) => indexMember(timeKey(h.startsAtUtc), h.id)

export function createHearingStore({ store }: { store: Store }) {
  const { redis, keys } = store

  return {
    get: (id: string) => (id.startsWith('hrg_') ? store.get<Hearing>(id) : Promise.resolve(undefined)),

    async mustGet(id: string): Promise<Hearing> {
      const found = id.startsWith('hrg_') ? await store.get<Hearing>(id) : undefined
      if (!found) throw notFound('Hearing', id)
      return found
    },

    /** The hearing, its indexes and the event it causes, in one MULTI: a change is never recorded without its event. */
    async save(next: Hearing, previous: Hearing | undefined, event?: EventRecord) {
      const tx = redis.multi().set(keys.record(next.id), JSON.stringify(next))
      if (previous && previous.startsAtUtc !== next.startsAtUtc) {
        tx.zrem(keys.index('hearings'), byStart(previous)).zrem(
          keys.index(`case-hearings:${next.caseId}`),
          byStart(previous),
        )
      }
      tx.zadd(keys.index('hearings'), 0, byStart(next)).zadd(
        keys.index(`case-hearings:${next.caseId}`),
        0,
        byStart(next),
      )
      if (event) {
        tx.set(keys.record(event.id), JSON.stringify(event)).zadd(
          keys.eventOutbox,
          Date.parse(event.timestamp),
          event.id,
        )
      }
      await tx.exec()
    },

    list(opts: {
      from?: string | undefined
      to?: string | undefined
      caseId?: string | undefined
      status?: HearingStatus | undefined
      keep?: (h: Hearing) => boolean
      limit: number
      cursor?: string | undefined
    }) {
      const { status, keep } = opts
      return store.page<Hearing>(opts.caseId === undefined ? 'hearings' : `case-hearings:${opts.caseId}`, {
        limit: opts.limit,
        cursor: opts.cursor,
        ...(opts.from ? { min: `[${timeKey(opts.from)}` } : {}),
        ...(opts.to ? { max: `(${timeKey(opts.to)}` } : {}),
        keep: (h) => (status === undefined || h.status === status) && (keep === undefined || keep(h)),
      })
    },

    /** Ids of hearings starting at or after `from`, in start order, a batch at a time (for the reconciler). */
    async *idsStartingFrom(
      from: string,
      opts: { caseId?: string; batch?: number } = {},
    ): AsyncGenerator<string[]> {
      const index = keys.index(opts.caseId ? `case-hearings:${opts.caseId}` : 'hearings')
      let min = `[${timeKey(from)}`
      for (;;) {
        const members = await redis.zrange(index, min, '+', 'BYLEX', 'LIMIT', 0, opts.batch ?? 500)
        if (members.length === 0) return
        yield members.map(memberId)
        min = `(${members[members.length - 1]}`
      }
    },
  }
}
export type HearingStore = ReturnType<typeof createHearingStore>
