import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { caseWithReminderEndpoint, eventually, type Harness, startHarness } from '../helpers/harness.js'
import { type CourtbellProcess, logged, startCourtbell } from '../helpers/process.js'
import {
  almatyWallTime,
  countByStatus,
  exitWithin,
  killAll,
  listAll,
  mapConcurrent,
  processEnv,
  type SlowReceiver,
  startSlowReceiver,
  tally,
} from './support.js'

/**
 * Fault 6: SIGTERM a worker process while it is delivering to a slow receiver. What it has in flight must
 * finish (the receiver answers, the records end succeeded), nothing new may start after the signal, and the
 * process must exit 0 within its grace period. What it had not started stays pending and the next worker
 * delivers it: nothing lost.
 */
const M = 120 // more than the webhook worker's concurrency (50), so some deliveries cannot have started
const GRACE_MS = 5000
const ANSWER_AFTER_MS = 1500
/** Time for a job taken just before the signal to reach the receiver. */
const START_MARGIN_MS = 500

let h: Harness
let receiver: SlowReceiver
let caseId: string
const processes: CourtbellProcess[] = []

const workerEnv = () =>
  processEnv(h.config.redis.prefix, {
    ROLE: 'worker',
    SHUTDOWN_GRACE_MS: String(GRACE_MS),
    JOB_LOCK_MS: '3000',
  })

type DeliveryRecord = { id: string; status: string; eventType: string; attempts: { statusCode?: number }[] }

beforeAll(async () => {
  receiver = await startSlowReceiver(ANSWER_AFTER_MS)
  h = await startHarness({ name: 'faults-sigterm', env: { RATE_LIMIT_PER_MINUTE: '10000000' } })
  caseId = await caseWithReminderEndpoint(h, receiver.url, ['PT10S'], ['hearing.reminder'])
}, 30_000)

afterAll(async () => {
  await killAll(processes)
  await h?.close()
  await receiver?.close()
}, 30_000)

const reminderRecords = async () =>
  (
    await listAll<DeliveryRecord>(
      async (url) => h.app.inject({ method: 'GET', url, headers: await h.auth('staff') }),
      '/v1/deliveries',
    )
  ).filter((d) => d.eventType === 'hearing.reminder')

describe('fault: SIGTERM during delivery', () => {
  it('finishes what is in flight, starts nothing new, exits 0 within the grace period', async () => {
    const headers = await h.auth('staff')
    const first = await startCourtbell(workerEnv())
    processes.push(first)

    // M hearings whose reminders all come due at the same second, a few seconds from now.
    const dueAt = Math.ceil((Date.now() + 5000) / 1000) * 1000
    await mapConcurrent(
      Array.from({ length: M }, (_, i) => i),
      20,
      async (i) => {
        const res = await h.app.inject({
          method: 'POST',
          url: `/v1/cases/${caseId}/hearings`,
          headers,
          payload: { title: `hearing ${i}`, startsAt: almatyWallTime(dueAt + 10_000) },
        })
        if (res.statusCode !== 201) throw new Error(`hearing ${i}: ${res.statusCode} ${res.body}`)
      },
    )
    expect(Date.now()).toBeLessThan(dueAt)

    // Deliveries under way (the receiver holds each for 1.5 s) and every reminder fanned out: now the signal.
    await eventually(() => (receiver.hooks.length >= 30 ? true : undefined), 20_000, 'deliveries in flight')
    await eventually(async () => ((await reminderRecords()).length >= M ? true : undefined), 5000, 'fan-out')
    first.kill('SIGTERM')
    const signalAt = Date.now()
    const startedBeforeSignal = receiver.hooks.filter((x) => x.startedAt <= signalAt).length

    const exit = await exitWithin(first, GRACE_MS + 5000)
    const exitedAfterMs = Date.now() - signalAt
    const atExit = await reminderRecords()
    const hooksAtExit = [...receiver.hooks]
    const inFlight = hooksAtExit.filter((x) => x.startedAt <= signalAt + START_MARGIN_MS)
    const startedAfterSignal = hooksAtExit.filter((x) => x.startedAt > signalAt + START_MARGIN_MS)
    const unanswered = inFlight.filter((x) => !x.answered)
    const deliveredIds = new Set(inFlight.map((x) => x.id))
    const statusAtExit = countByStatus(atExit)
    const wronglyRecorded = atExit.filter(
      (d) =>
        (deliveredIds.has(d.id) && d.status !== 'succeeded') ||
        (!deliveredIds.has(d.id) && (d.status !== 'pending' || d.attempts.length > 0)),
    )
    const graceOver = logged(first, 'grace period over: unfinished jobs will be picked up by another worker')

    // A new worker delivers what was left.
    const second = await startCourtbell(workerEnv())
    processes.push(second)
    const secondStartedAt = Date.now()
    await eventually(
      async () => {
        const records = await reminderRecords()
        return records.length >= M && records.every((d) => d.status === 'succeeded') ? true : undefined
      },
      30_000,
      'every reminder delivered after the restart',
    ).catch(() => undefined)
    const final = await reminderRecords()
    const ids = tally(receiver.hooks.filter((x) => x.type === 'hearing.reminder').map((x) => x.id))
    const lost = M - final.filter((d) => d.status === 'succeeded' && ids.ids.has(d.id)).length
    const betweenProcesses = receiver.hooks.filter(
      (x) => x.startedAt > signalAt + START_MARGIN_MS && x.startedAt < secondStartedAt,
    )

    console.log(
      `fault sigterm: deliveries=${M} inFlightAtSignal=${inFlight.length} (started before signal ${startedBeforeSignal}) ` +
        `unanswered=${unanswered.length} startedAfterSignal=${startedAfterSignal.length} ` +
        `exit=${exit ? `code ${exit.code} signal ${exit.signal}` : 'none'} after ${exitedAfterMs}ms (grace ${GRACE_MS}ms) ` +
        `atExit=${JSON.stringify(statusAtExit)} misrecorded=${wronglyRecorded.length} ` +
        `afterRestart: lost=${lost} duplicated=${ids.duplicated} final=${JSON.stringify(countByStatus(final))}`,
    )

    // In flight at the signal: answered by the receiver and recorded as succeeded.
    expect(inFlight.length).toBeGreaterThan(0)
    expect(unanswered).toHaveLength(0)
    expect(wronglyRecorded).toHaveLength(0)
    expect(statusAtExit.succeeded).toBe(deliveredIds.size)
    // Nothing new started after the signal, and some work was indeed left for later.
    expect(startedAfterSignal).toHaveLength(0)
    expect(betweenProcesses).toHaveLength(0)
    expect(statusAtExit.pending ?? 0).toBeGreaterThan(0)
    // A clean exit, within the grace period.
    expect(exit).toEqual({ code: 0, signal: null })
    expect(exitedAfterMs).toBeLessThanOrEqual(GRACE_MS)
    expect(graceOver).toHaveLength(0)
    // Nothing lost; nothing doubled (a clean shutdown leaves no duplicate window).
    expect(lost).toBe(0)
    expect(final).toHaveLength(M)
    expect(ids.duplicated).toBe(0)
  }, 80_000)
})
