import { badRequest } from './errors.js'
import type { Redis } from './redis.js'
import type { Keys } from './redis-keys.js'

/**
 * The store: JSON records under `rec:<id>` and sorted indexes whose members are `<sortKey>|<id>` with
 * score 0, so a lexical range is both the filter (e.g. by start time) and a stable cursor.
 */
export function createStore({ redis, keys }: { redis: Redis; keys: Keys }) {
  async function get<T>(id: string): Promise<T | undefined> {
    const raw = await redis.get(keys.record(id))
    return raw === null ? undefined : (JSON.parse(raw) as T)
  }

  async function getMany<T>(ids: readonly string[]): Promise<(T | undefined)[]> {
    if (ids.length === 0) return []
    const raws = await redis.mget(ids.map(keys.record))
    return raws.map((raw) => (raw === null ? undefined : (JSON.parse(raw) as T)))
  }

  /** One page of an index, optionally filtered; scans at most `scanLimit` members per call. */
  async function page<T>(
    index: string,
    opts: {
      limit: number
      cursor?: string | undefined
      min?: string
      max?: string
      reverse?: boolean
      keep?: (item: T) => boolean
    },
  ): Promise<{ items: T[]; nextCursor: string | null }> {
    const key = keys.index(index)
    const reverse = opts.reverse ?? false
    let after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor)
    const items: T[] = []
    let scanned = 0
    const scanLimit = Math.max(2000, opts.limit * 10)
    for (;;) {
      // Unfiltered, one more than a page tells whether there is a next one; filtered, read ahead.
      const batch = opts.keep ? Math.min(Math.max(opts.limit * 2, 50), 500) : opts.limit + 1
      const lower = after !== undefined && !reverse ? `(${after}` : (opts.min ?? '-')
      const upper = after !== undefined && reverse ? `(${after}` : (opts.max ?? '+')
      const members = reverse
        ? await redis.zrange(key, upper, lower, 'BYLEX', 'REV', 'LIMIT', 0, batch)
        : await redis.zrange(key, lower, upper, 'BYLEX', 'LIMIT', 0, batch)
      const records = await getMany<T>(members.map(memberId))
      for (const [i, record] of records.entries()) {
        scanned++
        after = members[i]
        if (record === undefined || (opts.keep && !opts.keep(record))) continue
        items.push(record)
        if (items.length === opts.limit) {
          const more = i < members.length - 1 || members.length === batch
          return { items, nextCursor: more ? encodeCursor(after as string) : null }
        }
      }
      if (members.length < batch) return { items, nextCursor: null }
      // A sparse filter must not turn one request into a full scan: hand back a cursor instead.
      if (scanned >= scanLimit) return { items, nextCursor: encodeCursor(after as string) }
    }
  }

  /** Ids in a time-ordered index from an instant on, a batch at a time (the reconciler walks them all). */
  async function* idsFrom(index: string, from: string, batch = 500): AsyncGenerator<string[]> {
    let min = `[${timeKey(from)}`
    for (;;) {
      const members = await redis.zrange(keys.index(index), min, '+', 'BYLEX', 'LIMIT', 0, batch)
      if (members.length === 0) return
      yield members.map(memberId)
      min = `(${members[members.length - 1]}`
    }
  }

  return { redis, keys, get, getMany, page, idsFrom }
}
export type Store = ReturnType<typeof createStore>

// KEYS: record, index, case index, event record, outbox.
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

/**
 * The EVAL arguments that write a dated record (a hearing, a deadline) with its time-ordered indexes (all, and
 * its case's) and the event it causes, in one atomic step and only if the stored record is still `previous`
 * (compare-and-set; none: only if it does not exist). The script answers 1 when it wrote.
 */
export function saveIfUnchangedArgs(
  keys: Keys,
  w: {
    id: string
    next: unknown
    previous: unknown
    indexes: readonly [all: string, ofCase: string]
    member: { next: string; previous: string | undefined }
    event?: { id: string; timestamp: string } | undefined
  },
) {
  return [
    SAVE_IF_UNCHANGED,
    5,
    keys.record(w.id),
    keys.index(w.indexes[0]),
    keys.index(w.indexes[1]),
    w.event ? keys.record(w.event.id) : keys.record(w.id),
    keys.eventOutbox,
    w.previous === undefined ? '' : JSON.stringify(w.previous),
    JSON.stringify(w.next),
    w.member.previous ?? '',
    w.member.next,
    w.event ? JSON.stringify(w.event) : '',
    w.event ? Date.parse(w.event.timestamp) : 0,
    w.event?.id ?? '',
  ] as const
}

export const indexMember = (sortKey: string, id: string) => `${sortKey}|${id}`
export const memberId = (member: string) => member.slice(member.lastIndexOf('|') + 1)
/** Instants as fixed-width digits so that lexical order is time order. */
export const timeKey = (iso: string | number) =>
  String(typeof iso === 'number' ? iso : Date.parse(iso)).padStart(15, '0')

function encodeCursor(member: string): string {
  return Buffer.from(member, 'utf8').toString('base64url')
}
function decodeCursor(cursor: string): string {
  const member = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!member || !/^[\w|.-]+$/.test(member))
    throw badRequest('cursor is not valid', [{ path: '/cursor', message: 'unknown cursor' }])
  return member
}
