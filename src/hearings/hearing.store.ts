import type { EventRecord } from '../events/event.js'
import { notFound } from '../platform/errors.js'
import { indexMember, memberId, type Store, timeKey } from '../platform/store.js'
import type { Hearing, HearingStatus } from './hearing.schema.js'

// KEYS: record, start index, case start index, event record, outbox.
// ARGV: expected record ('' = must not exist), next record, old member, new member, event, event score, event id.
const SAVE_IF_UNCHANGED = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '' then
  if current then return 0 end
elseif current ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] ~= '' and ARGV[3] ~= ARGV[4] then
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('ZREM', KEYS[3], ARGV[3])
end
redis.call('ZADD', KEYS[2], 0, ARGV[4])
redis.call('ZADD', KEYS[3], 0, ARGV[4])
if ARGV[5] ~= '' then
  redis.call('SET', KEYS[4], ARGV[5])
  redis.call('ZADD', KEYS[5], ARGV[6], ARGV[7])
end
return 1`

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
        SAVE_IF_UNCHANGED,
        5,
        keys.record(next.id),
        keys.index('hearings'),
        keys.index(`case-hearings:${next.caseId}`),
        event ? keys.record(event.id) : keys.record(next.id),
        keys.eventOutbox,
        previous ? JSON.stringify(previous) : '',
        JSON.stringify(next),
        previous ? byStart(previous) : '',
        byStart(next),
        event ? JSON.stringify(event) : '',
        event ? Date.parse(event.timestamp) : 0,
        event?.id ?? '',
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
