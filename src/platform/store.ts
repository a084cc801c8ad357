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

  return { redis, keys, get, getMany, page }
}
export type Store = ReturnType<typeof createStore>

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
