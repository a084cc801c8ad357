import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LightMyRequestResponse } from 'fastify'
import { pino } from 'pino'
import { expect } from 'vitest'
import { loadConfig } from '../../config/index.js'
import { buildApp } from '../../src/app.js'
import { createMailer } from '../../src/email/mailer.js'
import { createLogger } from '../../src/logger.js'
import { closeQueues, createQueues } from '../../src/queues.js'
import { connectForApi, type Redis, workerConnectionOptions } from '../../src/redis.js'
import { createKeys } from '../../src/redis-keys.js'
import { createServices } from '../../src/services.js'
import { startWorkers } from '../../workers/index.js'
import { ADMIN_KEY, deleteKeys, type Harness, REDIS_URL } from '../helpers/harness.js'

/** Shared helpers of the security suite (test/security/*). */

export type Scope = 'admin' | 'staff' | 'partner'
export type Key = { id: string; key: string; scope: Scope; headers: { authorization: string } }

/** A fresh API key of this scope, made through the key store (as the admin API would). */
export async function newKey(h: Harness, scope: Scope, name = `security ${scope}`): Promise<Key> {
  const created = await h.services.keys.create(name, scope)
  return { id: created.id, key: created.key, scope, headers: { authorization: `Bearer ${created.key}` } }
}

export function expectProblem(res: LightMyRequestResponse, status: number) {
  expect(res.statusCode, `${res.statusCode} ${res.body.slice(0, 300)}`).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  expect(res.json()).toMatchObject({ status, type: expect.any(String), title: expect.any(String) })
}

/** Local wall time in UTC with seconds (YYYY-MM-DDTHH:mm:ss), for hearings a few seconds from now. */
export function utcWallTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19)
}

export function tokenOf(url: string): string {
  const token = new URL(url, 'http://courtbell.test').searchParams.get('token')
  if (!token) throw new Error(`no token in ${url}`)
  return token
}

/** Rejects when `promise` takes longer than ms: a hang becomes a failure with a name. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Every key under `prefix` with its type and full value, as sorted text: two snapshots compare equal
 * exactly when nothing under the prefix changed. `skip` drops bookkeeping keys (e.g. rate-limit counters).
 */
export async function snapshotRedis(
  redis: Redis,
  prefix: string,
  skip: (key: string) => boolean = () => false,
): Promise<Map<string, string>> {
  const names: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
    cursor = next
    names.push(...keys.filter((k) => !skip(k)))
  } while (cursor !== '0')
  names.sort()
  const types = ((await redis.pipeline(names.map((k) => ['type', k])).exec()) ?? []).map(([, t]) => String(t))
  const reads = names.map((key, i): [string, ...(string | number)[]] => {
    switch (types[i]) {
      case 'string':
        return ['get', key]
      case 'hash':
        return ['hgetall', key]
      case 'zset':
        return ['zrange', key, 0, -1, 'WITHSCORES']
      case 'list':
        return ['lrange', key, 0, -1]
      case 'set':
        return ['smembers', key]
      case 'stream':
        return ['xrange', key, '-', '+']
      default:
        return ['exists', key]
    }
  })
  const values = (await redis.pipeline(reads).exec()) ?? []
  const out = new Map<string, string>()
  for (const [i, key] of names.entries()) {
    const type = types[i] as string
    if (type === 'none') continue
    let value = values[i]?.[1]
    if (type === 'hash') value = Object.entries(value as Record<string, string>).sort()
    if (type === 'set') value = [...(value as string[])].sort()
    out.set(key, `${type} ${JSON.stringify(value)}`)
  }
  return out
}

/** Keys added, removed or changed between two snapshots. */
export function diffSnapshots(before: Map<string, string>, after: Map<string, string>): string[] {
  const changes: string[] = []
  for (const [key, value] of after) {
    if (!before.has(key)) changes.push(`+ ${key} ${value.slice(0, 200)}`)
    else if (before.get(key) !== value) changes.push(`~ ${key} ${value.slice(0, 200)}`)
  }
  for (const key of before.keys()) if (!after.has(key)) changes.push(`- ${key}`)
  return changes
}

export type CapturedHarness = Harness & { logs: string[] }

/**
 * The same composition as test/helpers/harness.ts, but the service's own logger (src/logger.ts, with its
 * redaction rules) writes into `logs` instead of stdout: the destination stream of the pino instance is
 * swapped before any child logger exists, so Fastify's request loggers and the workers' loggers inherit it.
 */
export async function startCapturedHarness(opts: {
  name: string
  workers?: boolean
  env?: Record<string, string>
}): Promise<CapturedHarness> {
  const prefix = `cbtest-${opts.name}-${randomBytes(4).toString('hex')}`
  const config = loadConfig({
    NODE_ENV: 'test',
    REDIS_URL,
    REDIS_PREFIX: prefix,
    ADMIN_API_KEY: ADMIN_KEY,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'trace',
    DATA_DIR: mkdtempSync(join(tmpdir(), `${prefix}-`)),
    PUBLIC_BASE_URL: 'http://courtbell.test',
    ...opts.env,
  })
  const logs: string[] = []
  const log = createLogger(config.logLevel)
  ;(log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = {
    write(line: string) {
      logs.push(line)
    },
  }
  const redis = connectForApi(config.redis.url)
  redis.on('error', () => undefined)
  await redis.connect()
  const queues = createQueues(redis, {
    prefix: createKeys(prefix).queuePrefix,
    retryScheduleMs: config.retryScheduleMs,
    log,
  })
  const services = await createServices({ redis, config, log, queues })
  await services.keys.ensureAdminKey(config.adminApiKey)
  const app = await buildApp(services)
  await app.ready()
  const mailer = opts.workers
    ? createMailer({
        smtpUrl: config.mail.smtpUrl,
        outboxDir: config.mail.outboxDir,
        from: config.mail.from,
        log,
      })
    : undefined
  const workers =
    mailer && startWorkers(services, { connection: workerConnectionOptions(config.redis.url), mailer })
  const keyCache = new Map<string, string>()
  return {
    logs,
    config,
    redis,
    services,
    app,
    workers,
    mailer,
    async auth(scope = 'admin') {
      if (scope === 'admin') return { authorization: `Bearer ${ADMIN_KEY}` }
      let key = keyCache.get(scope)
      if (!key) {
        key = (await services.keys.create(`test ${scope}`, scope)).key
        keyCache.set(scope, key)
      }
      return { authorization: `Bearer ${key}` }
    },
    async close() {
      await workers?.close(5000)
      await app.close()
      await mailer?.close()
      await closeQueues(queues)
      await deleteKeys(redis, prefix)
      await redis.quit()
    },
  }
}
