import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EventRecord } from '../../src/events/event.js'
import { hearingItem } from '../../src/hearings/hearing.dated.js'
import type { Hearing } from '../../src/hearings/hearing.schema.js'
import { reminderJobId } from '../../src/reminders/jobs.js'
import { planReminders } from '../../src/reminders/plan.js'
import {
  ADMIN_KEY,
  caseWithReminderEndpoint,
  eventually,
  type Harness,
  REDIS_URL,
  startHarness,
} from '../helpers/harness.js'
import { type CourtbellProcess, logged, startCourtbell } from '../helpers/process.js'
import { type Receiver, startReceiver } from '../helpers/receiver.js'

/**
 * Fault 7 of issue 3: a hearing write and its scheduling cannot half-happen. courtbell runs as a process with
 * CRASH_AT=after-hearing-write: it SIGKILLs itself right after the hearing (and its event, in the outbox) is
 * written, before the event is queued and the reminders scheduled. A restart's reconciler pass finishes the job.
 * An in-process harness without workers (so no reconciler of its own) on the same prefix sets up and inspects.
 */
const OFFSETS = ['P1D', 'PT2H'] as const
/** src/reminders/reconciler.ts: outbox events younger than this are left to the API that wrote them. */
const OUTBOX_GRACE_MS = 5000
let h: Harness
let receiver: Receiver
let dataDir: string
const procs: CourtbellProcess[] = []
let caseId: string
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

beforeAll(async () => {
  receiver = await startReceiver()
  h = await startHarness({ name: 'fault-crash-write', workers: false })
  dataDir = mkdtempSync(join(tmpdir(), `${h.config.redis.prefix}-proc-`))
  caseId = await caseWithReminderEndpoint(h, receiver.url, OFFSETS)
}, 30_000)

afterAll(async () => {
  for (const p of procs) {
    if (p.proc.exitCode === null && p.proc.signalCode === null) {
      p.kill('SIGTERM')
      const gone = await Promise.race([p.exited.then(() => true), sleep(5000).then(() => false)])
      if (!gone) {
        p.kill('SIGKILL')
        await Promise.race([p.exited, sleep(2000)])
      }
    }
  }
  await h?.close().catch(() => undefined)
  await receiver?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
}, 30_000)

async function courtbell(port: number, extra: Record<string, string> = {}) {
  const p = await startCourtbell({
    ROLE: 'all',
    PORT: String(port),
    HOST: '127.0.0.1',
    ADMIN_API_KEY: ADMIN_KEY,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    REDIS_URL,
    REDIS_PREFIX: h.config.redis.prefix,
    DATA_DIR: dataDir,
    RETRY_SCHEDULE: '200ms,500ms',
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...extra,
  })
  procs.push(p)
  return p
}

/** What the store and the queues say about a hearing's derived state. */
async function derived(hearingId: string) {
  const jobs = (await h.services.queues.reminders.getDelayed(0, -1)).filter((j) => j.data.h === hearingId)
  const known = await h.redis.hkeys(h.services.store.keys.reminderJobs(hearingId))
  const outboxIds = await h.redis.zrange(h.services.store.keys.eventOutbox, 0, -1)
  const outbox: EventRecord[] = []
  for (const id of outboxIds) {
    const event = await h.services.store.get<EventRecord>(id)
    if (event?.hearingId === hearingId) outbox.push(event)
  }
  const deliveries = (
    await h.app.inject({
      method: 'GET',
      url: `/v1/deliveries?hearingId=${hearingId}`,
      headers: await h.auth('staff'),
    })
  ).json().items as unknown[]
  const hooks = receiver.ofType('hearing.scheduled').filter((r) => r.json.data.hearing.id === hearingId)
  return { jobs, known, outbox, deliveries, hooks }
}
const figures = (d: Awaited<ReturnType<typeof derived>>) =>
  `reminderJobs=${d.jobs.length} jobIndex=${d.known.length} outbox=${d.outbox.length} deliveries=${d.deliveries.length} scheduledWebhooks=${d.hooks.length}`

describe('fault: crash between a hearing write and its scheduling', () => {
  it('loses nothing: the restarted process restores the reminders and sends hearing.scheduled once', async () => {
    const port = await freePort()
    const first = await courtbell(port, { CRASH_AT: 'after-hearing-write' })
    // Let its start-up reconciler pass finish first: a pass killed midway would leave its lock behind.
    await eventually(
      () => (logged(first, 'reconciler pass').length > 0 ? true : undefined),
      10_000,
      'first pass',
    )

    const staff = await h.auth('staff')
    const payload = {
      title: 'Decision on the petition to declare Bilash wanted',
      startsAt: '2026-12-14T10:00',
    }
    let clientSaw = 'an answer'
    const posted = Date.now()
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/cases/${caseId}/hearings`, {
        method: 'POST',
        headers: { ...staff, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(10_000),
      })
      clientSaw = `HTTP ${res.status}`
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause
      clientSaw = `dropped connection (${cause?.code ?? cause?.message ?? String(err)})`
    }
    const exit = await Promise.race([first.exited, sleep(10_000).then(() => undefined)])

    // The write happened; nothing derived from it did.
    const hearings = (
      await h.app.inject({ method: 'GET', url: `/v1/hearings?caseId=${caseId}`, headers: staff })
    ).json().items as Hearing[]
    const hearing = hearings[0]
    expect(hearings).toHaveLength(1)
    const id = (hearing as NonNullable<typeof hearing>).id
    const missing = await derived(id)

    // Restart without the crash point, once the outbox grace period is over, so its start-up pass re-queues it.
    await sleep(Math.max(0, posted + OUTBOX_GRACE_MS + 500 - Date.now()))
    const second = await courtbell(port)
    const restartedAt = Date.now()
    const pass = await eventually(() => logged(second, 'reconciler pass')[0], 10_000, 'start-up pass')
    await eventually(
      async () => ((await derived(id)).hooks.length > 0 ? true : undefined),
      10_000,
      'hearing.scheduled',
    )
    await sleep(1500) // and no second one
    const restored = await derived(id)
    const plan = planReminders(hearingItem(hearing as Hearing), OFFSETS).map(reminderJobId)

    console.log(
      `fault crash-after-write: client=${clientSaw} exit=${exit?.signal ?? exit?.code ?? 'still running'} ` +
        `hearingStored=${hearings.length} status=${hearing?.status} | before restart: ${figures(missing)} | ` +
        `after restart: ${figures(restored)} | startupPass=${JSON.stringify({ events: pass.events, items: pass.items, remindersPlanned: pass.remindersPlanned })} ` +
        `webhookLatencyMs=${(restored.hooks[0]?.receivedAt ?? 0) - restartedAt}`,
    )

    expect(clientSaw).toMatch(/^dropped connection/)
    expect(exit?.signal).toBe('SIGKILL')
    expect(hearing?.status).toBe('scheduled')
    expect(missing.jobs).toHaveLength(0)
    expect(missing.outbox.map((e) => e.type)).toEqual(['hearing.scheduled'])
    expect(missing.deliveries).toHaveLength(0)
    expect(missing.hooks).toHaveLength(0)

    expect(restored.jobs.map((j) => j.id).sort()).toEqual([...plan].sort())
    expect(restored.hooks).toHaveLength(1)
    expect(restored.hooks[0]?.json.data.hearing.id).toBe(id)
    expect(restored.deliveries).toHaveLength(1)
    expect(restored.outbox).toHaveLength(0)
  }, 60_000)
})
