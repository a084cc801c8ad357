import type { Subscription } from './subscription.schema.js'

/**
 * The offset index: per target (hearing or case) and reminder offset, the set of ids of the ACTIVE
 * subscriptions wanting it, and per target the set of offsets whose id set is not empty. Planning reads the
 * latter, so its cost follows the number of distinct offsets, not of subscribers. Sets rather than counts:
 * adding or removing an id twice changes nothing, so a replayed write cannot make the index drift.
 */

/** The offsets a subscription puts in its target's index: what it wants while active, nothing otherwise. */
export const indexedOffsets = (sub: Subscription | undefined): string[] =>
  sub?.status === 'active' ? [...new Set(sub.remindBefore)] : []

/**
 * Writes a subscription record, or deletes it, only if the stored one is still the one the caller read
 * (compare-and-set), and moves its ids in the offset index from what the stored record wanted to what the
 * next one wants, in the same atomic step. An offset leaves the target's set only when no id wants it.
 *
 * KEYS: record, all-subscriptions index, target's followers index, by-email hash, target's offsets, then
 *       the id set of each offset left followed by that of each offset joined.
 * ARGV: expected record ('' = none), next record ('' = delete; equal to expected = index only), id,
 *       by-email field, number of offsets left; from ARGV[6] on, the offset of KEYS[i] is ARGV[i].
 */
export const WRITE = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
local id = ARGV[3]
local lastLeft = 5 + tonumber(ARGV[5])
for i = 6, #KEYS do
  if i <= lastLeft then
    redis.call('SREM', KEYS[i], id)
    if redis.call('SCARD', KEYS[i]) == 0 then redis.call('SREM', KEYS[5], ARGV[i]) end
  else
    redis.call('SADD', KEYS[i], id)
    redis.call('SADD', KEYS[5], ARGV[i])
  end
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  if redis.call('HGET', KEYS[4], ARGV[4]) == id then redis.call('HDEL', KEYS[4], ARGV[4]) end
elseif ARGV[2] ~= ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  redis.call('ZADD', KEYS[2], 0, id)
  redis.call('ZADD', KEYS[3], 0, id)
  redis.call('HSET', KEYS[4], ARGV[4], id)
end
return 1`
