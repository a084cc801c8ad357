import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkRedisSettings } from '../../src/platform/redis-checks.js'
import { startCourtbell } from '../helpers/process.js'
import { type PrivateRedis, startPrivateRedis } from './private-redis.js'
import { processEnv } from './support.js'

/** A Redis that may evict keys and keeps nothing on disk: what courtbell must refuse or warn about. */
let unsafe: PrivateRedis
let redis: Redis

beforeAll(async () => {
  unsafe = await startPrivateRedis(['--maxmemory-policy', 'allkeys-lru', '--appendonly', 'no'])
  redis = new Redis(unsafe.url)
})
afterAll(async () => {
  redis.disconnect()
  await unsafe.destroy()
})

function capturedLog() {
  const lines: Record<string, unknown>[] = []
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)))
      done()
    },
  })
  return { log: pino({ level: 'info' }, sink), lines }
}

describe('Redis settings at start-up', () => {
  it('refuses eviction in production', async () => {
    const { log } = capturedLog()
    await expect(checkRedisSettings(redis, { env: 'production' }, log)).rejects.toThrow(/noeviction/)
  })

  it('warns about eviction and missing AOF in development', async () => {
    const { log, lines } = capturedLog()
    await checkRedisSettings(redis, { env: 'development' }, log)
    const warnings = lines.filter((l) => l.level === 40).map((l) => String(l.msg))
    expect(warnings.some((m) => m.includes('noeviction'))).toBe(true)
    expect(warnings.some((m) => m.includes('AOF is off'))).toBe(true)
    expect(
      warnings.some((m) => m.includes('Redis hz is 10: delayed reminders may fire up to 100 ms late')),
    ).toBe(true)
  })

  it('says nothing about hz once it is 100', async () => {
    await redis.config('SET', 'hz', '100')
    const { log, lines } = capturedLog()
    await checkRedisSettings(redis, { env: 'development' }, log)
    expect(lines.filter((l) => String(l.msg).includes('hz'))).toEqual([])
    await redis.config('SET', 'hz', '10')
  })

  it('stops a production process with a message that says why', async () => {
    const env = processEnv('cbtest-fault-settings', {
      REDIS_URL: unsafe.url,
      NODE_ENV: 'production',
      SMTP_URL: 'outbox:',
      ROLE: 'api',
      PORT: '0',
    })
    const error = await startCourtbell(env).then(
      () => undefined,
      (err: Error) => err,
    )
    console.log(`fault redis-settings: productionStart=${error ? 'refused' : 'started'}`)
    expect(error?.message).toMatch(/maxmemory-policy is "allkeys-lru"/)
  })
})
