import { mkdtempSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DateTime } from 'luxon'
import { sleep } from '../helpers/async.js'
import { ADMIN_KEY, REDIS_URL } from '../helpers/harness.js'
import type { CourtbellProcess } from '../helpers/process.js'

export { freePort, mapConcurrent, sleep } from '../helpers/async.js'

/** Shared pieces of the fault tests: process environments, wall times, bounded concurrency, receivers. */

/** The environment of a courtbell process joining the deployment under `prefix`. */
export function processEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL,
    REDIS_PREFIX: prefix,
    ADMIN_API_KEY: ADMIN_KEY,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    DATA_DIR: mkdtempSync(join(tmpdir(), `${prefix}-proc-`)),
    PUBLIC_BASE_URL: 'http://courtbell.test',
    RATE_LIMIT_PER_MINUTE: '10000000',
    RETRY_SCHEDULE: '200ms,500ms,1s,2s,2s',
    LOG_LEVEL: 'info',
    ...extra,
  }
}

/** The Almaty wall time (to the second) of the instant `ms`, as staff would type it. */
export const almatyWallTime = (ms: number) =>
  DateTime.fromMillis(ms).setZone('Asia/Almaty').toFormat("yyyy-MM-dd'T'HH:mm:ss")

/** Whether the process is still running. */
export const running = (p: CourtbellProcess) => p.proc.exitCode === null && p.proc.signalCode === null

/** Waits for the process to exit, at most timeoutMs; undefined when it did not. */
export async function exitWithin(p: CourtbellProcess, timeoutMs: number) {
  return Promise.race([p.exited, sleep(timeoutMs).then(() => undefined)])
}

/** SIGKILLs every process still running and waits (bounded) for each to be gone. For afterAll. */
export async function killAll(processes: readonly (CourtbellProcess | undefined)[]) {
  await Promise.all(
    processes.map(async (p) => {
      if (!p) return
      if (running(p)) p.kill('SIGKILL')
      await exitWithin(p, 5000)
    }),
  )
}

/**
 * SIGTERMs every process still running, waits up to graceMs for them to finish, then SIGKILLs what is left.
 * For afterAll where processes hold pooled SMTP connections: a clean QUIT spares the sink a reset socket.
 */
export async function stopAll(processes: readonly (CourtbellProcess | undefined)[], graceMs = 8000) {
  for (const p of processes) if (p && running(p)) p.kill('SIGTERM')
  await Promise.all(processes.map((p) => (p ? exitWithin(p, graceMs) : undefined)))
  await killAll(processes)
}

/** The webhook-id header of a request. */
export const webhookId = (headers: http.IncomingHttpHeaders) => String(headers['webhook-id'] ?? '')

export type TimedHook = {
  id: string
  type: string
  /** When the request's headers arrived. */
  startedAt: number
  /** When the response was written (undefined while the receiver holds it). */
  answeredAt: number | undefined
  /** Whether the response was fully sent on an open socket. */
  answered: boolean
  body: string
}

/**
 * An HTTP receiver on loopback that takes `delayMs` to answer 200, and records when each request started
 * and when (and whether) its answer went out: a sender that hung up early leaves answered false.
 */
export async function startSlowReceiver(delayMs: number) {
  const hooks: TimedHook[] = []
  const timers = new Set<NodeJS.Timeout>()
  const server = http.createServer((req, res) => {
    const hook: TimedHook = {
      id: webhookId(req.headers),
      type: '',
      startedAt: Date.now(),
      answeredAt: undefined,
      answered: false,
      body: '',
    }
    hooks.push(hook)
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      hook.body = Buffer.concat(chunks).toString('utf8')
      try {
        hook.type = (JSON.parse(hook.body) as { type: string }).type
      } catch {
        hook.type = 'unparseable'
      }
      const timer = setTimeout(() => {
        timers.delete(timer)
        if (res.destroyed || req.socket.destroyed) return
        res.writeHead(200).end(() => {
          hook.answered = true
        })
        hook.answeredAt = Date.now()
      }, delayMs)
      timers.add(timer)
    })
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    hooks,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t)
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
export type SlowReceiver = Awaited<ReturnType<typeof startSlowReceiver>>

/** Counts of a list of webhook-ids: total, distinct, duplicates (total − distinct). */
export function tally(ids: readonly string[]) {
  const distinct = new Set(ids)
  return { total: ids.length, distinct: distinct.size, duplicated: ids.length - distinct.size, ids: distinct }
}

/** Every item of a list route, page by page (limit 200), through the harness's in-process API. */
export async function listAll<T>(
  inject: (url: string) => Promise<{ statusCode: number; body: string; json(): unknown }>,
  url: string,
  maxPages = 100,
): Promise<T[]> {
  const items: T[] = []
  let cursor: string | null = null
  for (let page = 0; page < maxPages; page++) {
    const sep = url.includes('?') ? '&' : '?'
    const res = await inject(`${url}${sep}limit=200${cursor ? `&cursor=${cursor}` : ''}`)
    if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`)
    const body = res.json() as { items: T[]; nextCursor: string | null }
    items.push(...body.items)
    cursor = body.nextCursor
    if (cursor === null) return items
  }
  throw new Error(`GET ${url}: more than ${maxPages} pages`)
}

/** How many of a delivery list have each status. */
export const countByStatus = (items: readonly { status: string }[]) =>
  items.reduce<Record<string, number>>((acc, d) => {
    acc[d.status] = (acc[d.status] ?? 0) + 1
    return acc
  }, {})

type CountableQueue = {
  getActiveCount(): Promise<number>
  getWaitingCount(): Promise<number>
  getDelayedCount(): Promise<number>
}
/** Jobs of a queue that are running or due to run: active + waiting (+ delayed when asked). */
export async function unfinished(queue: CountableQueue, withDelayed = false) {
  const [active, waiting, delayed] = await Promise.all([
    queue.getActiveCount(),
    queue.getWaitingCount(),
    withDelayed ? queue.getDelayedCount() : Promise.resolve(0),
  ])
  return active + waiting + delayed
}
