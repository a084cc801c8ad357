import { randomUUID } from 'node:crypto'
import type { Redis } from './redis.js'

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`

export type Lock = { renew(): Promise<void>; release(): Promise<void> }

/**
 * A lease in Redis: held by one process at a time, lapsing by itself after ttlMs if its holder dies.
 * Waits up to waitMs for it; undefined when it could not be had.
 */
export async function acquireLock(
  redis: Redis,
  key: string,
  ttlMs: number,
  waitMs = 0,
): Promise<Lock | undefined> {
  const token = randomUUID()
  for (let waited = 0; (await redis.set(key, token, 'PX', ttlMs, 'NX')) === null; waited += 20) {
    if (waited >= waitMs) return undefined
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return {
    renew: async () => {
      await redis.eval(RENEW, 1, key, token, ttlMs)
    },
    release: async () => {
      await redis.eval(RELEASE, 1, key, token)
    },
  }
}

/**
 * Leases on several keys in one round trip, without waiting: `held[i]` says whether keys[i] was had.
 * `release` gives back every one that was, in one round trip.
 */
export async function tryLocks(
  redis: Redis,
  keys: readonly string[],
  ttlMs: number,
): Promise<{ held: boolean[]; release(): Promise<void> }> {
  const token = randomUUID()
  const tx = redis.pipeline()
  for (const key of keys) tx.set(key, token, 'PX', ttlMs, 'NX')
  const held = ((await tx.exec()) ?? []).map(([err, reply]) => !err && reply === 'OK')
  return {
    held,
    release: async () => {
      const mine = keys.filter((_, i) => held[i])
      if (mine.length === 0) return
      const tx = redis.pipeline()
      for (const key of mine) tx.eval(RELEASE, 1, key, token)
      await tx.exec()
    },
  }
}
