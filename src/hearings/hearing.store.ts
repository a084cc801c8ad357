import type { EventRecord } from '../events/event.js'
import { notFound } from '../platform/errors.js'
import { indexMember, type Store, saveIfUnchangedArgs, timeKey } from '../platform/store.js'
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

    /**
     * The hearing, its indexes and the event it causes, in one atomic step, and only if the stored hearing
     * is still `previous` (compare-and-set). False when someone else changed it first.
     */
    async save(next: Hearing, previous: Hearing | undefined, event?: EventRecord): Promise<boolean> {
      const saved = await redis.eval(
        ...saveIfUnchangedArgs(keys, {
          id: next.id,
          next,
          previous,
          indexes: ['hearings', `case-hearings:${next.caseId}`],
          member: { next: byStart(next), previous: previous && byStart(previous) },
          event,
        }),
      )
      return saved === 1
    },

    list(opts: {
      from?: string | undefined
      to?: string | undefined
      caseId?: string | undefined
      status?: HearingStatus | undefined
      limit: number
      cursor?: string | undefined
    }) {
      const { status } = opts
      return store.page<Hearing>(opts.caseId === undefined ? 'hearings' : `case-hearings:${opts.caseId}`, {
        limit: opts.limit,
        cursor: opts.cursor,
        ...(opts.from ? { min: `[${timeKey(opts.from)}` } : {}),
        ...(opts.to ? { max: `(${timeKey(opts.to)}` } : {}),
        ...(status !== undefined ? { keep: (h: Hearing) => h.status === status } : {}),
      })
    },

    /** Ids of hearings starting at or after `from`, in start order, a batch at a time (for the reconciler). */
    idsStartingFrom: (from: string, opts: { caseId?: string; batch?: number } = {}) =>
      store.idsFrom(opts.caseId ? `case-hearings:${opts.caseId}` : 'hearings', from, opts.batch),
  }
}
export type HearingStore = ReturnType<typeof createHearingStore>
