import { tooManyRequests } from './errors.js'
import type { Store } from './store.js'

/** Count the hit and start the window on the first one, in one round trip. Returns { count, ttl in ms }. */
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }`

/** A fixed-window counter in Redis, so a limit holds across every API replica. Throws a 429 when exceeded. */
export function createRateLimiter(store: Store) {
  return async function hit(bucket: string, limit: number, windowSeconds: number): Promise<void> {
    const [count, ttlMs] = (await store.redis.eval(
      HIT,
      1,
      store.keys.rate(bucket),
      windowSeconds * 1000,
    )) as [number, number]
    if (count > limit) throw tooManyRequests(Math.max(1, Math.ceil(ttlMs / 1000)))
  }
}
export type RateLimiter = ReturnType<typeof createRateLimiter>
