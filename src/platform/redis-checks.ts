import type { Config } from '../../config/index.js'
import type { Logger } from './logger.js'
import type { Redis } from './redis.js'

/** Redis wakes blocked clients `hz` times a second: below this, delayed reminders fire noticeably late. */
const PUNCTUAL_HZ = 100

/**
 * BullMQ loses jobs if Redis evicts keys, and a restart loses everything without persistence. Read both
 * settings and say so; in production, refuse to run with eviction on. Also say when `hz` makes reminders
 * late. Managed services may forbid CONFIG: then warn that the settings could not be checked.
 */
export async function checkRedisSettings(
  redis: Redis,
  config: Pick<Config, 'env'>,
  log: Logger,
): Promise<void> {
  let policy: string | undefined
  let aof: string | undefined
  let hz: number
  try {
    policy = ((await redis.config('GET', 'maxmemory-policy')) as string[])[1]
    aof = ((await redis.config('GET', 'appendonly')) as string[])[1]
    hz = Number(((await redis.config('GET', 'hz')) as string[])[1])
  } catch (err) {
    log.warn(
      { err },
      'could not read Redis settings (CONFIG GET refused): make sure maxmemory-policy is noeviction and persistence is on',
    )
    return
  }
  if (policy !== 'noeviction') {
    const message = `Redis maxmemory-policy is "${policy}": it must be "noeviction", or queued reminders can be evicted`
    if (config.env === 'production') throw new Error(message)
    log.warn({ maxmemoryPolicy: policy }, message)
  }
  if (aof !== 'yes')
    log.warn(
      { appendonly: aof },
      'Redis AOF is off: a Redis restart loses what was written since the last snapshot',
    )
  if (hz < PUNCTUAL_HZ)
    log.warn(
      { hz },
      `Redis hz is ${hz}: delayed reminders may fire up to ${Math.round(1000 / hz)} ms late; set hz ${PUNCTUAL_HZ}`,
    )
}
