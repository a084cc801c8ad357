import { DateTime, Duration } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reminderJobId } from '../../src/reminders/jobs.js'
import { bilash, type Harness, startHarness } from '../helpers/harness.js'
import { type CourtbellProcess, logged, startCourtbell } from '../helpers/process.js'
import { type Receiver, startReceiver } from '../helpers/receiver.js'
import { type SmtpSink, startSmtpSink } from '../helpers/smtp.js'
import {
  almatyWallTime,
  countByStatus,
  freePort,
  listAll,
  mapConcurrent,
  processEnv,
  sleep,
  stopAll,
  tally,
  unfinished,
} from './support.js'

/**
 * Fault 2: three worker processes and two API processes on one Redis prefix.
 * (a) A burst of reminders for 1,000 hearings, each followed by one webhook endpoint and one lawyer: every
 *     recipient gets each reminder exactly once.
 * (b) The same hearing moved through API A and API B at the same moment, for many hearings, several rounds:
 *     each hearing ends with exactly one set of pending reminders, for its latest version, and its version
 *     counts every accepted move.
 */
const K = 1000 // hearings in the burst
const BURST_OFFSET = 'PT20S'
const BURST_OFFSET_MS = 20_000
const SPREAD_S = 3
const R = 200 // hearings moved concurrently
const ROUNDS = 2
const MOVE_OFFSETS = ['P1D', 'PT2H'] // the second case's endpoint
const MOVE_SUB_OFFSET = 'PT30M' // each moved hearing's lawyer

let h: Harness
let smtp: SmtpSink
let receiver: Receiver
let apiA: string
let apiB: string
let burstCase: string
let moveCase: string
let authorization: string
const processes: CourtbellProcess[] = []

beforeAll(async () => {
  smtp = await startSmtpSink()
  receiver = await startReceiver()
  h = await startHarness({ name: 'faults-scale', env: { RATE_LIMIT_PER_MINUTE: '10000000' } })
  const headers = await h.auth('staff')
  authorization = headers.authorization
  burstCase = (await h.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: bilash.case })).json()
    .id
  moveCase = (
    await h.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers,
      payload: { ...bilash.case, title: 'moves' },
    })
  ).json().id
  for (const [caseId, remindBefore] of [
    [burstCase, [BURST_OFFSET]],
    [moveCase, MOVE_OFFSETS],
  ] as const) {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers,
      payload: { url: receiver.url, caseIds: [caseId], eventTypes: ['hearing.reminder'], remindBefore },
    })
    expect(res.statusCode).toBe(201)
  }

  // The periodic reconciler is pushed out of the test's way: what is checked here is what the API replicas
  // and the workers do, not what a later re-plan would repair.
  const prefix = h.config.redis.prefix
  const common = { RECONCILE_INTERVAL_MS: '600000', SMTP_URL: smtp.url, JOB_LOCK_MS: '5000' }
  const [portA, portB] = [await freePort(), await freePort()]
  apiA = `http://127.0.0.1:${portA}`
  apiB = `http://127.0.0.1:${portB}`
  const started = await Promise.allSettled([
    startCourtbell(
      processEnv(prefix, { ...common, ROLE: 'api', PORT: String(portA), HOST: '127.0.0.1' }),
      40_000,
    ),
    startCourtbell(
      processEnv(prefix, { ...common, ROLE: 'api', PORT: String(portB), HOST: '127.0.0.1' }),
      40_000,
    ),
    ...[1, 2, 3].map(() => startCourtbell(processEnv(prefix, { ...common, ROLE: 'worker' }), 40_000)),
  ])
  for (const s of started) if (s.status === 'fulfilled') processes.push(s.value)
  for (const s of started) if (s.status === 'rejected') throw s.reason
}, 60_000)

afterAll(async () => {
  await stopAll(processes)
  await h?.close()
  await smtp?.close()
  await receiver?.close()
}, 30_000)

async function call(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  })
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} }
}

type HearingView = { id: string; version: number; startsAt: string; startsAtUtc: string; timeZone: string }

/** A hearing through one API and its lawyer's subscription through the other. */
async function hearingWithLawyer(
  i: number,
  caseId: string,
  startsAt: string,
  remindBefore: string,
  tag: string,
) {
  const [first, second] = i % 2 === 0 ? [apiA, apiB] : [apiB, apiA]
  const created = await call(first, 'POST', `/v1/cases/${caseId}/hearings`, {
    title: `${tag} ${i}`,
    startsAt,
  })
  if (created.status !== 201)
    throw new Error(`hearing ${tag} ${i}: ${created.status} ${JSON.stringify(created.body)}`)
  const hearing = created.body as HearingView
  const email = `${tag}-${i}@example.org`
  const sub = await call(second, 'POST', `/v1/hearings/${hearing.id}/subscriptions`, {
    email,
    remindBefore: [remindBefore],
  })
  if (sub.status !== 201)
    throw new Error(`subscription ${tag} ${i}: ${sub.status} ${JSON.stringify(sub.body)}`)
  return { hearing, email }
}

const expectedDueAt = (h_: HearingView, offset: string) =>
  DateTime.fromISO(h_.startsAtUtc, { zone: 'utc' })
    .setZone(h_.timeZone)
    .minus(Duration.fromISO(offset))
    .toUTC()
    .toISO()

describe('fault: scale-out, 2 API and 3 worker processes on one prefix', () => {
  let moved: { hearing: HearingView; email: string }[] = []
  let perPairMs = 0

  it('creates through both APIs (the hearings to be moved)', async () => {
    // The second half, once the processes are warm, tells how long the burst will take to create.
    let warmFrom = 0
    moved = await mapConcurrent(
      Array.from({ length: R }, (_, i) => i),
      25,
      (i) => {
        if (i === R / 2) warmFrom = Date.now()
        return hearingWithLawyer(i, moveCase, `2031-06-01T10:00`, MOVE_SUB_OFFSET, 'moved')
      },
    )
    perPairMs = (Date.now() - warmFrom) / (R / 2)
    expect(moved).toHaveLength(R)
  }, 30_000)

  it('delivers each reminder of a 1,000-hearing burst exactly once per recipient', async () => {
    const creationBudgetMs = Math.ceil(perPairMs * K * 1.5) + 3000
    const dueStart = Math.ceil((Date.now() + creationBudgetMs) / 1000) * 1000
    const startsAt = (i: number) => dueStart + BURST_OFFSET_MS + Math.floor((i * SPREAD_S) / K) * 1000
    const created = Date.now()
    const burst = await mapConcurrent(
      Array.from({ length: K }, (_, i) => i),
      25,
      (i) => hearingWithLawyer(i, burstCase, almatyWallTime(startsAt(i)), BURST_OFFSET, 'burst'),
    )
    const creationMs = Date.now() - created
    expect(Date.now(), `creation took ${creationMs} ms, past the first due moment`).toBeLessThan(dueStart)

    const burstIds = new Set(burst.map((b) => b.hearing.id))
    const hooks = () =>
      receiver.ofType('hearing.reminder').filter((r) => burstIds.has(r.json.data.hearing.id))
    const mails = () => smtp.received.filter((m) => m.mail.subject?.startsWith('Reminder'))
    // Until every recipient has its reminder and the queues are empty, or nothing moved for 3 s, at most 40 s.
    const { reminders, webhook, email } = h.services.queues
    let idleSince: number | undefined
    const deadline = Date.now() + (dueStart - Date.now()) + 40_000
    for (;;) {
      const left =
        (await unfinished(reminders)) + (await unfinished(webhook, true)) + (await unfinished(email, true))
      const due = Date.now() > dueStart + SPREAD_S * 1000
      if (left > 0 || !due) idleSince = undefined
      else idleSince ??= Date.now()
      if (
        idleSince !== undefined &&
        (Date.now() - idleSince > 3000 || (hooks().length >= K && mails().length >= K))
      )
        break
      if (Date.now() > deadline) break
      await sleep(100)
    }
    await sleep(500) // a doubled delivery would have been sent by now

    const hookIds = tally(hooks().map((r) => String(r.headers['webhook-id'])))
    const hookHearings = tally(hooks().map((r) => r.json.data.hearing.id as string))
    const mailIds = tally(mails().map((m) => m.mail.messageId ?? ''))
    const perLawyer = new Map<string, number>()
    for (const m of mails()) {
      const to = JSON.stringify(m.mail.to)
      const lawyer = burst.find((b) => to.includes(b.email))?.email ?? to
      perLawyer.set(lawyer, (perLawyer.get(lawyer) ?? 0) + 1)
    }
    const lawyersTwice = [...perLawyer.values()].filter((n) => n > 1).length
    const lawyersMissing = burst.filter((b) => !perLawyer.has(b.email)).length
    const hooksMissing = burst.filter((b) => !hookHearings.ids.has(b.hearing.id)).length
    const records = (
      await listAll<{ id: string; status: string; eventType: string; hearingId: string; channel: string }>(
        async (url) => h.app.inject({ method: 'GET', url, headers: { authorization } }),
        '/v1/deliveries',
      )
    ).filter((d) => d.eventType === 'hearing.reminder' && burstIds.has(d.hearingId))
    const late = hooks().map((r) => r.receivedAt - Date.parse(r.json.data.reminder.dueAt as string))
    const perWorker = processes.slice(2).map((p) => logged(p, 'delivery succeeded').length)

    console.log(
      `fault scale-out burst: hearings=${K} recipients=${2 * K} ` +
        `webhooks received=${hookIds.total} distinct=${hookIds.distinct} duplicated=${hookIds.duplicated} lost=${hooksMissing}; ` +
        `emails received=${mailIds.total} distinct=${mailIds.distinct} duplicated=${mailIds.duplicated} lost=${lawyersMissing} ` +
        `lawyersTwice=${lawyersTwice}; records=${JSON.stringify(countByStatus(records))} ` +
        `lateMax=${Math.max(0, ...late)}ms creation=${creationMs}ms deliveriesPerWorker=${JSON.stringify(perWorker)}`,
    )

    expect(hooksMissing).toBe(0)
    expect(lawyersMissing).toBe(0)
    expect(hookIds.total).toBe(K)
    expect(hookIds.distinct).toBe(K)
    expect(hookHearings.duplicated).toBe(0)
    expect(mailIds.total).toBe(K)
    expect(mailIds.distinct).toBe(K)
    expect(lawyersTwice).toBe(0)
    expect(records).toHaveLength(2 * K)
    expect(countByStatus(records)).toEqual({ succeeded: 2 * K })
  }, 75_000)

  it('leaves one pending reminder set per hearing, for its latest version, after concurrent moves', async () => {
    const successes = new Map<string, number>()
    const answers = new Map<string, HearingView[]>()
    const statuses: Record<string, number> = {}
    const started = Date.now()
    for (let round = 0; round < ROUNDS; round++) {
      const day = String(10 + round).padStart(2, '0')
      await mapConcurrent(moved, 25, async ({ hearing }) => {
        // The same hearing, through both replicas, at the same moment, to two different times.
        const results = await Promise.all([
          call(apiA, 'PATCH', `/v1/hearings/${hearing.id}`, { startsAt: `2031-06-${day}T10:00` }),
          call(apiB, 'PATCH', `/v1/hearings/${hearing.id}`, { startsAt: `2031-06-${day}T14:30` }),
        ])
        for (const r of results) {
          statuses[r.status] = (statuses[r.status] ?? 0) + 1
          if (r.status !== 200) continue
          successes.set(hearing.id, (successes.get(hearing.id) ?? 0) + 1)
          answers.set(hearing.id, [...(answers.get(hearing.id) ?? []), r.body as HearingView])
        }
      })
    }
    const patchMs = Date.now() - started

    // Every hearing as stored now, and every delayed reminder job of the deployment.
    const finals = await mapConcurrent(moved, 25, async ({ hearing }) => {
      const res = await call(apiA, 'GET', `/v1/hearings/${hearing.id}`)
      expect(res.status).toBe(200)
      return res.body as HearingView
    })
    const delayed = await h.services.queues.reminders.getDelayed(0, -1)
    const waitingOrActive = await h.services.queues.reminders.getJobs(['waiting', 'active', 'prioritized'])
    const jobsOf = new Map<string, typeof delayed>()
    for (const job of delayed) jobsOf.set(job.data.h, [...(jobsOf.get(job.data.h) ?? []), job])

    const wantedOffsets = [...MOVE_OFFSETS, MOVE_SUB_OFFSET].sort()
    const problems: string[] = []
    let staleJobs = 0
    let hearingsWithStale = 0
    let missingSets = 0
    let versionMismatch = 0
    let lastWriterMismatch = 0
    for (const final of finals) {
      const jobs = jobsOf.get(final.id) ?? []
      // A job's id hashes hearing, version, offset and due instant: current jobs have the id the final
      // hearing gives their offset.
      const current = jobs.filter(
        (j) =>
          j.id ===
          reminderJobId({
            itemId: final.id,
            version: final.version,
            remindBefore: j.data.o,
            dueAt: expectedDueAt(final, j.data.o) as string,
          }),
      )
      const stale = jobs.length - current.length
      staleJobs += stale
      if (stale > 0) hearingsWithStale++
      const offsets = current.map((j) => j.data.o).sort()
      if (JSON.stringify(offsets) !== JSON.stringify(wantedOffsets)) missingSets++
      if (final.version !== 1 + (successes.get(final.id) ?? 0)) versionMismatch++
      const latestAnswer = (answers.get(final.id) ?? []).reduce<HearingView | undefined>(
        (a, b) => (a === undefined || b.version > a.version ? b : a),
        undefined,
      )
      if (latestAnswer?.version !== final.version || latestAnswer.startsAtUtc !== final.startsAtUtc)
        lastWriterMismatch++
      if (JSON.stringify(offsets) !== JSON.stringify(wantedOffsets))
        problems.unshift(
          `${final.id} v${final.version} ${final.startsAtUtc} (no exact latest set): ` +
            jobs
              .map(
                (j) =>
                  `v${j.data.v}/${j.data.o}@${new Date(j.timestamp + (j.opts.delay ?? 0)).toISOString()}`,
              )
              .join(', '),
        )
      else if (stale > 0)
        problems.push(
          `${final.id} v${final.version} ${final.startsAtUtc}: ` +
            jobs
              .map(
                (j) =>
                  `v${j.data.v}/${j.data.o}@${new Date(j.timestamp + (j.opts.delay ?? 0)).toISOString()}`,
              )
              .join(', '),
        )
    }
    const movedIds = new Set(moved.map((m) => m.hearing.id))
    const runnable = waitingOrActive.filter((j) => j && movedIds.has(j.data.h)).length
    const totalSuccesses = [...successes.values()].reduce((a, b) => a + b, 0)

    console.log(
      `fault scale-out moves: hearings=${R} rounds=${ROUNDS} patches=${R * ROUNDS * 2} answers=${JSON.stringify(statuses)} ` +
        `accepted=${totalSuccesses} in ${patchMs}ms; hearingsWithStaleJobs=${hearingsWithStale} ` +
        `staleJobs=${staleJobs} hearingsWithoutLatestSet=${missingSets} versionMismatch=${versionMismatch} ` +
        `lastWriterMismatch=${lastWriterMismatch} runnableJobs=${runnable}` +
        (problems.length ? `\n  e.g. ${problems.slice(0, 3).join('\n  e.g. ')}` : ''),
    )

    expect(statuses['500'] ?? 0).toBe(0)
    expect(versionMismatch).toBe(0)
    expect(lastWriterMismatch).toBe(0)
    expect(runnable).toBe(0)
    expect.soft(staleJobs, 'delayed reminder jobs for an old version or instant').toBe(0)
    expect(missingSets, 'hearings without exactly one job per offset for their latest version').toBe(0)
  }, 45_000)
})
