import { tooManyRequests } from '../platform/errors.js'
import type { Store } from '../platform/store.js'

/**
 * Lua that counts a hit on KEYS[k] and starts its window (ARGV[a] ms) on the first one; it leaves `count` and
 * `ttl` (ms) for the rest of the script. Shared so that a script can count inside the same round trip.
 */
export const countHit = (k: number, a: number) => `
local count = redis.call('INCR', KEYS[${k}])
if count == 1 then redis.call('PEXPIRE', KEYS[${k}], ARGV[${a}]) end
local ttl = redis.call('PTTL', KEYS[${k}])`

const HIT = `${countHit(1, 1)}
return { count, ttl }`

/** The 429 for a window that is full: try again when it ends. */
export function mustBeWithin(limit: number, count: number, ttlMs: number) {
  if (count > limit) throw tooManyRequests(Math.max(1, Math.ceil(ttlMs / 1000)))
}

/** A fixed-window counter in Redis, so a limit holds across every API replica. Throws a 429 when exceeded. */
export function createRateLimiter(store: Store) {
  return async function hit(bucket: string, limit: number, windowSeconds: number): Promise<void> {
    const [count, ttlMs] = (await store.redis.eval(
      HIT,
      1,
      store.keys.rate(bucket),
      windowSeconds * 1000,
    )) as [number, number]
    mustBeWithin(limit, count, ttlMs)
  }
}
export type RateLimiter = ReturnType<typeof createRateLimiter>
