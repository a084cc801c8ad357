import { tooManyRequests } from './errors.js'
import type { Store } from './store.js'

/** A fixed-window counter in Redis, so a limit holds across every API replica. Throws a 429 when exceeded. */
export function createRateLimiter(store: Store) {
  return async function hit(bucket: string, limit: number, windowSeconds: number): Promise<void> {
    const key = store.keys.rate(bucket)
    const [[, count], [, ttl]] = (await store.redis.multi().incr(key).ttl(key).exec()) as [
      [null, number],
      [null, number],
    ]
    if (ttl < 0) await store.redis.expire(key, windowSeconds)
    if (count > limit) throw tooManyRequests(ttl > 0 ? ttl : windowSeconds)
  }
}
export type RateLimiter = ReturnType<typeof createRateLimiter>
