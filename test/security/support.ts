import type { LightMyRequestResponse } from 'fastify'
import { expect } from 'vitest'
import type { Redis } from '../../src/platform/redis.js'
import { type Harness, startHarness } from '../helpers/harness.js'

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

/** A harness whose service logger (src/logger.ts, with its redaction rules) writes into `logs`. */
export async function startCapturedHarness(opts: {
  name: string
  workers?: boolean
  env?: Record<string, string>
}): Promise<CapturedHarness> {
  const logs: string[] = []
  const h = await startHarness({ ...opts, env: { LOG_LEVEL: 'trace', ...opts.env }, captureLogs: logs })
  return Object.assign(h, { logs })
}
