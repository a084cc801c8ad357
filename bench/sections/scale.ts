import type { Case } from '../../src/cases/case.schema.js'
import type { Hearing } from '../../src/hearings/hearing.schema.js'
import type { ReminderJobData } from '../../src/platform/queues.js'
import { reminderDueAt } from '../../src/platform/time.js'
import { reminderJob } from '../../src/reminders/jobs.js'
import { startBareWorker } from '../lib/bare.js'
import type { Courtbell, Ctx } from '../lib/context.js'
import { createCase, hearingRecord } from '../lib/fixtures.js'
import { type LoadResult, load, warm } from '../lib/load.js'
import { parseLine } from '../lib/proc.js'
import { benchServices, reminderLateness } from '../lib/services.js'
import { deletePrefix, mapConcurrent, summary } from '../lib/util.js'

const SECTION = '4 scale'
const DAY = 86_400_000
const OFFSETS = ['P7D', 'P1D', 'PT2H']

/**
 * Section 4: N hearings each followed (through its case) by a lawyer wanting 3 reminders. Hearing records
 * are written through the hearing store (hearings.save, no event, no scheduling), with list/get probes at
 * each checkpoint; then a ROLE=worker process starts and its start-up reconciler pass schedules every
 * reminder from scratch, in the service's own process: that pass gives the scheduling rate and the pass time.
 * Memory: INFO used_memory deltas of the bench's private Redis (nothing else writes to it).
 */
export async function scaleSection(ctx: Ctx) {
  const S = ctx.sizes.scale
  const N = S.checkpoints[S.checkpoints.length - 1] as number
  const prefix = ctx.newPrefix('scale')
  const svc = await benchServices(ctx.redis.url, prefix)
  const stops: { stop(): Promise<void> }[] = []
  try {
    const staff = await svc.keys.create('bench staff', 'staff')
    const auth = { authorization: `Bearer ${staff.key}` }
    const caseCount = Math.ceil(N / S.hearingsPerCase)
    const cases = await mapConcurrent(
      Array.from({ length: caseCount }, (_, i) => i),
      50,
      async (n) => {
        const kase = await createCase(svc, n)
        await svc.subscriptions.upsert(
          { kind: 'case', caseId: kase.id },
          { email: `lawyer${n}@example.org`, name: `Lawyer ${n}`, timeZone: null, remindBefore: OFFSETS },
          'active',
        )
        return kase
      },
    )
    const api = await ctx.startCourtbell({ section: 'scale', name: 'api', role: 'api', prefix })
    stops.push(api)

    const m0 = await ctx.redis.usedMemory()
    const start = Math.ceil((Date.now() + 10 * DAY) / 60_000) * 60_000
    const span = 365 * DAY
    // Hearing i starts at a pseudo-random minute within a year, 10 days from now on: all 3 reminders pending.
    const startOf = (i: number) =>
      start + Math.floor((((i * 2654435761) % 2 ** 32) / 2 ** 32) * (span / 60_000)) * 60_000
    const ids: string[] = []
    const writeMs: number[] = []
    const probes: Record<number, { get: LoadResult; list: LoadResult }> = {}
    for (const checkpoint of S.checkpoints) {
      const t0 = Date.now()
      const from = ids.length
      const batch = Array.from({ length: checkpoint - from }, (_, k) => from + k)
      const written = await mapConcurrent(batch, 64, async (i) => {
        const h = hearingRecord(cases[i % caseCount] as Case, startOf(i), i)
        await svc.hearings.save(h, undefined)
        return h.id
      })
      for (const id of written) ids.push(id) // not push(...written): a million arguments overflow the stack
      writeMs.push(Date.now() - t0)
      probes[checkpoint] = await probe(api, auth, ids, start + span / 2, S.probeDurationS)
    }
    const m1 = await ctx.redis.usedMemory()

    // The scheduling pass, in the worker's own process: its start-up reconciler pass finds N hearings and
    // no job, and adds 3 per hearing. That one pass gives the scheduling rate and the pass time at N.
    // A short interval: the next pass starts right after the first ends, and finds every job in place.
    const worker = await ctx.startCourtbell({
      section: 'scale',
      name: 'worker',
      role: 'worker',
      prefix,
      env: { RECONCILE_INTERVAL_MS: '5000' },
    })
    stops.push(worker)
    const isPass = (l: string) => l.includes('"reconciler pass"')
    const passTimeoutMs = 120_000 + N * 10
    const pass = parseLine(await worker.waitForLine(isPass, passTimeoutMs, 'the reconciler pass')) ?? {}
    const m2 = await ctx.redis.usedMemory()
    const isSteadyPass = (l: string) => isPass(l) && l.includes('"remindersAdded":0')
    const steady = parseLine(await worker.waitForLine(isSteadyPass, passTimeoutMs, 'a later pass')) ?? {}
    await worker.stop()
    const delayed = { delayed: (await svc.queues.reminders.getJobCounts('delayed')).delayed ?? 0 }
    const sample = await sampleUsage(svc, ids[0] as string)
    const late = await lateness(
      svc,
      ids.filter((_, i) => i % Math.max(1, Math.floor(N / 2000)) === 0),
    )

    // --- bare: the same jobs (same ids, data and delays) with one addBulk per hearing, one hearing at a
    // time as the reconciler adds them, over the first `bareN` hearings; and, for context, in batches.
    const bareN = Math.min(N, 20_000)
    const bare = await startBareWorker(ctx, { name: 'sched', mode: 'noop', concurrency: 1, jobOptions: {} })
    await bare.child.stop() // only the producer is needed: nothing comes due
    const now = Date.now()
    const plan = (i: number) => {
      const h = hearingRecord(cases[i % caseCount] as Case, startOf(i), i)
      return OFFSETS.map((remindBefore) => {
        const p = {
          itemId: h.id,
          version: 1,
          remindBefore,
          dueAt: reminderDueAt(h.startsAtUtc, h.timeZone, remindBefore),
        }
        // The very job the scheduler adds (same id, data and options), its delay counted from `now`.
        return reminderJob(p, now)
      })
    }
    const jobsOf = Array.from({ length: bareN }, (_, i) => plan(i))
    const mb0 = await ctx.redis.usedMemory()
    const tb0 = Date.now()
    for (const jobs of jobsOf) await bare.queue.addBulk(jobs)
    const bareMs = Date.now() - tb0
    const mb1 = await ctx.redis.usedMemory()
    await bare.queue.obliterate({ force: true })
    const tc0 = Date.now()
    for (let i = 0; i < bareN; i += 500) await bare.queue.addBulk(jobsOf.slice(i, i + 500).flat())
    const bareBatchMs = Date.now() - tc0
    await bare.close()

    const passMs = Number(pass.durationMs)
    const perHearing = (m2 - m0) / N
    const bareBytes = (mb1 - mb0) / bareN
    ctx.row({
      section: SECTION,
      metric: `Redis memory per hearing with 3 pending reminders (N=${N})`,
      value: perHearing,
      baseline: bareBytes,
      baselineLabel: 'bare: the 3 delayed jobs alone',
      unit: 'B',
      target: '≤ 3072 B',
      met: perHearing <= 3072,
      note: `hearing record + indexes ${Math.round((m1 - m0) / N)} B, reminders ${Math.round((m2 - m1) / N)} B; baseline = the same 3 jobs added bare`,
    })
    const rate = (Number(pass.items) / passMs) * 1000
    const bareRate = (bareN / bareMs) * 1000
    ctx.row({
      section: SECTION,
      metric: `scheduling rate (reconciler pass from scratch, ${Number(pass.remindersPlanned)} jobs)`,
      value: rate,
      baseline: bareRate,
      baselineLabel: 'bare addBulk of the 3 jobs per hearing, one hearing at a time',
      unit: 'hearings/s',
      target: 'ratio ≥ 0.5',
      met: rate / bareRate >= 0.5 && delayed.delayed === 3 * N,
      ...(delayed.delayed !== 3 * N ? { note: `${delayed.delayed} delayed jobs, expected ${3 * N}` } : {}),
    })
    ctx.row({
      section: SECTION,
      metric: 'context: bare addBulk, 500 hearings per call',
      value: (bareN / bareBatchMs) * 1000,
      baseline: null,
      unit: 'hearings/s',
      target: '—',
      met: null,
    })
    ctx.row({
      section: SECTION,
      metric: `reconciler pass time (N=${N})`,
      value: passMs,
      baseline: (bareMs * N) / bareN,
      baselineLabel: 'bare sequential addBulk of every job (rate over the first 20,000)',
      unit: 'ms',
      target: '< RECONCILE_INTERVAL_MS (60,000 ms)',
      met: passMs < 60_000,
    })
    const steadyMs = Number(steady.durationMs)
    ctx.row({
      section: SECTION,
      metric: `reconciler pass time, every job in place (N=${N})`,
      value: steadyMs,
      baseline: passMs,
      baselineLabel: 'the pass from scratch',
      unit: 'ms',
      target: '< RECONCILE_INTERVAL_MS (60,000 ms)',
      met: steadyMs < 60_000 && Number(steady.itemsReplanned) === 0,
      note: `the pass every interval runs: it re-planned ${steady.itemsReplanned} hearings, added ${steady.remindersAdded} jobs`,
    })
    ctx.row({
      section: SECTION,
      metric: 'jobs added by the pass from scratch: set to fire after their due moment, p50 / max',
      value: late.p50,
      baseline: late.max,
      unit: 'ms',
      ratio: null,
      target: '0',
      met: late.max <= 0,
      note: `job.timestamp + delay − dueAt over ${late.n} jobs of a sample of hearings (value p50, baseline column max)`,
    })
    const [small, ...larger] = S.checkpoints
    for (const big of larger) {
      for (const route of ['get', 'list'] as const) {
        const a = probes[small as number]?.[route]
        const b = probes[big]?.[route]
        if (!a || !b) continue
        ctx.row({
          section: SECTION,
          metric: `${route === 'get' ? 'GET /v1/hearings/:id' : 'GET /v1/hearings?from=&to='} p50 at ${big} vs ${small}`,
          value: b.p50,
          baseline: a.p50,
          unit: 'ms',
          ratio: a.p50 > 0 ? b.p50 / a.p50 : null,
          target: 'flat: ≤ max(1.5×, +1 ms)',
          met: b.p50 <= Math.max(1.5 * a.p50, a.p50 + 1) && b.non2xx + b.errors === 0,
        })
        ctx.row({
          section: SECTION,
          metric: `${route === 'get' ? 'GET /v1/hearings/:id' : 'GET /v1/hearings?from=&to='} req/s at ${big} vs ${small}`,
          value: b.rps,
          baseline: a.rps,
          unit: 'req/s',
          target: '—',
          met: null,
        })
      }
    }
    ctx.details.scale = {
      sizes: S,
      N,
      memory: {
        m0,
        m1,
        m2,
        perHearing,
        recordsAndIndexes: (m1 - m0) / N,
        reminders: (m2 - m1) / N,
        bareBytes,
      },
      sample,
      writeMs,
      pass,
      steady,
      lateness: late,
      delayed,
      bareN,
      bareMs,
      bareBatchMs,
      probes,
    }
  } finally {
    for (const p of stops.reverse()) await p.stop()
    await deletePrefix(ctx.redis.client, prefix)
    await svc.close()
  }
}

async function probe(
  api: Courtbell,
  auth: Record<string, string>,
  ids: readonly string[],
  around: number,
  durationS: number,
) {
  const get = {
    url: api.baseUrl,
    connections: 10,
    durationS,
    headers: auth,
    path: () => `/v1/hearings/${ids[Math.floor(Math.random() * ids.length)]}`,
  }
  await warm(get, durationS > 1 ? 1 : 0)
  const getR = await load(get)
  // From the middle of the year onward: at least 50 hearings in range at every size.
  const from = new Date(around).toISOString()
  const to = new Date(around + 180 * DAY).toISOString()
  const list = {
    url: `${api.baseUrl}/v1/hearings?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
    connections: 10,
    durationS,
    headers: auth,
  }
  await warm(list, durationS > 1 ? 1 : 0)
  const listR = await load(list)
  return { get: getR, list: listR }
}

/** When BullMQ will fire each reminder job of these hearings (timestamp + delay), minus its due moment. */
async function lateness(svc: Awaited<ReturnType<typeof benchServices>>, hearingIds: readonly string[]) {
  const { redis, keys } = svc.store
  const jobs: { data: ReminderJobData; timestamp: number; delay: number }[] = []
  for (const id of hearingIds) {
    for (const jobId of await redis.hkeys(keys.reminderJobs(id))) {
      const [timestamp, delay, data] = await redis.hmget(
        svc.queues.reminders.toKey(jobId),
        'timestamp',
        'delay',
        'data',
      )
      if (!timestamp || !delay || !data) continue
      jobs.push({
        data: JSON.parse(data) as ReminderJobData,
        timestamp: Number(timestamp),
        delay: Number(delay),
      })
    }
  }
  return summary(await reminderLateness(svc, jobs))
}

/** MEMORY USAGE of one hearing's own keys, for the breakdown. */
async function sampleUsage(svc: Awaited<ReturnType<typeof benchServices>>, hearingId: string) {
  const { redis, keys } = svc.store
  const usage = async (key: string) => Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0)
  const hearing = await svc.store.get<Hearing>(hearingId)
  const jobIds = await redis.hkeys(keys.reminderJobs(hearingId))
  const jobs: Record<string, number> = {}
  for (const id of jobIds) jobs[id] = await usage(`${keys.queuePrefix}:reminders:${id}`)
  return {
    recordBytes: await usage(keys.record(hearingId)),
    recordJsonLength: JSON.stringify(hearing).length,
    reminderJobsHashBytes: await usage(keys.reminderJobs(hearingId)),
    jobHashBytes: jobs,
  }
}
