import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { Cluster } from 'ioredis'
import { pino } from 'pino'
import { type Config, loadConfig } from '../../config/index.js'
import { buildApp } from '../../src/app.js'
import { createMailer, type Mailer } from '../../src/email/mailer.js'
import { createLogger } from '../../src/platform/logger.js'
import { closeQueues, createQueues } from '../../src/platform/queues.js'
import {
  closeWorkerConnection,
  connectForApi,
  type Redis,
  workerConnectionOptions,
} from '../../src/platform/redis.js'
import { createKeys } from '../../src/platform/redis-keys.js'
import { createServices, type Services } from '../../src/services.js'
import { startWorkers, type Workers } from '../../workers/index.js'

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
/** Set by the cluster project (test/cluster/): every harness and process then runs on that Redis Cluster. */
export const REDIS_CLUSTER_NODES = process.env.REDIS_CLUSTER_NODES
/** A test's own key prefix; hash-tagged on Cluster so that all of its keys share one slot. */
export const testPrefix = (name: string) => {
  const prefix = `cbtest-${name}-${randomBytes(4).toString('hex')}`
  return REDIS_CLUSTER_NODES ? `{${prefix}}` : prefix
}
export const ADMIN_KEY = 'test-admin-key-0123456789'

export type Harness = {
  config: Config
  redis: Redis
  services: Services
  app: FastifyInstance
  workers: Workers | undefined
  mailer: Mailer | undefined
  /** Authorization header for a key of this scope (admin: the configured key). */
  auth(scope?: 'admin' | 'staff' | 'partner'): Promise<{ authorization: string }>
  close(): Promise<void>
}

/**
 * A whole courtbell (API, and optionally workers) on the real Redis, under a prefix of its own so that
 * tests never touch keys they did not create; close() deletes every key under that prefix.
 */
export async function startHarness(opts: {
  name: string
  workers?: boolean
  env?: Record<string, string>
  /** Collect the service's own log lines (with its redaction) here instead of writing them to stdout. */
  captureLogs?: string[]
}): Promise<Harness> {
  const prefix = testPrefix(opts.name)
  const config = loadConfig({
    NODE_ENV: 'test',
    REDIS_URL,
    ...(REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES } : {}),
    REDIS_PREFIX: prefix,
    ADMIN_API_KEY: ADMIN_KEY,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: mkdtempSync(join(tmpdir(), `${prefix.replace(/[{}]/g, '')}-`)),
    PUBLIC_BASE_URL: 'http://courtbell.test',
    ...opts.env,
  })
  const log = createLogger(config.logLevel)
  const captured = opts.captureLogs
  if (captured) {
    // Swapped before any child logger exists, so Fastify's request loggers and the workers' inherit it.
    ;(log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = {
      write: (line: string) => captured.push(line),
    }
  }
  const redis = connectForApi(config.redis)
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
  const workerConnection = mailer && workerConnectionOptions(config.redis)
  const workers =
    mailer && workerConnection && startWorkers(services, { connection: workerConnection, mailer })

  const keyCache = new Map<string, string>()
  return {
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
      if (workerConnection) await closeWorkerConnection(workerConnection)
      await closeQueues(queues)
      await deleteKeys(redis, prefix)
      await redis.quit()
    },
  }
}

/** Deletes every key under `${prefix}:`; answers how many there were. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  // On Cluster, SCAN walks one node: walk every primary (a hash-tagged prefix lives on one of them).
  if (redis instanceof Cluster) {
    let deleted = 0
    for (const node of redis.nodes('master')) deleted += await deleteKeys(node, prefix)
    return deleted
  }
  let deleted = 0
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) deleted += await redis.unlink(...keys)
  } while (cursor !== '0')
  return deleted
}

/** The Bilash case of ../shared/fixtures, as the tests use it. */
export const bilash = {
  case: {
    title: 'Probation service v. Serikzhan Bilash — petition to declare wanted',
    court: 'Court of Almaty (Kazakhstan)',
    jurisdiction: 'KZ',
    timeZone: 'Asia/Almaty',
    description:
      'The probation service asks the court to declare the human rights activist Serikzhan Bilash wanted and to choose a measure of restraint.',
    tags: ['human-rights', 'xinjiang', 'bilash'],
    visibility: 'public' as const,
  },
  hearing: {
    title: 'Decision on the petition to declare Bilash wanted',
    startsAt: '2026-12-14',
    timeZone: 'Asia/Almaty',
  },
}

/** The Bilash case and its December 14 ruling, registered through the API with a staff key. */
export async function registerBilash(h: Harness, hearing: Record<string, unknown> = {}) {
  const headers = await h.auth('staff')
  const kase = (
    await h.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: bilash.case })
  ).json()
  const created = await h.app.inject({
    method: 'POST',
    url: `/v1/cases/${kase.id}/hearings`,
    headers,
    payload: { ...bilash.hearing, ...hearing },
  })
  return { kase, hearing: created.json() }
}

/** The Bilash case, followed by a webhook endpoint at `url` that wants these reminders; the case id. */
export async function caseWithReminderEndpoint(
  h: Harness,
  url: string,
  remindBefore: readonly string[],
  eventTypes?: readonly string[],
) {
  const headers = await h.auth('staff')
  const kase = (
    await h.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: bilash.case })
  ).json()
  const endpoint = await h.app.inject({
    method: 'POST',
    url: '/v1/webhook-endpoints',
    headers,
    payload: { url, caseIds: [kase.id], remindBefore, ...(eventTypes ? { eventTypes } : {}) },
  })
  if (endpoint.statusCode !== 201) throw new Error(`endpoint not created: ${endpoint.body}`)
  return kase.id as string
}

/** Polls until `check` returns a value (not undefined), or fails after timeoutMs. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
