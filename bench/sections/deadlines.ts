import { DateTime } from 'luxon'
import type { Case } from '../../src/cases/case.schema.js'
import { deadlineItem } from '../../src/deadlines/deadline.dated.js'
import type { Deadline } from '../../src/deadlines/deadline.schema.js'
import { hearingItem } from '../../src/hearings/hearing.dated.js'
import { newId } from '../../src/platform/ids.js'
import type { Ctx } from '../lib/context.js'
import { createCase, createEndpoint, hearingRecord, wallTime } from '../lib/fixtures.js'
import { type Receiver, startReceiver } from '../lib/receiver.js'
import { type BenchServices, benchServices } from '../lib/services.js'
import { deletePrefix, mapConcurrent, sleep, summary } from '../lib/util.js'

const SECTION = '6 deadlines'
const DAY = 86_400_000
const HOUR = 3_600_000

/**
 * Section 6. (a) One court-calendar override closes the day N open computed deadlines of a jurisdiction are
 * due on: all are found through the calendar index, recomputed, re-versioned and re-planned (two reminder
 * jobs each), and announced; the time per deadline beside the time to move one hearing (hearingService.update,
 * in process, the same work: write + event + re-plan). (b) Deadline reminders coming due 50 ms apart, fired by
 * a worker process to a loopback receiver: the same sparse precision as hearings.
 */
export async function deadlinesSection(ctx: Ctx) {
  const S = ctx.sizes.deadlines
  const prefix = ctx.newPrefix('deadlines')
  const svc = await benchServices(ctx.redis.url, prefix)
  const receiver = await startReceiver({ keepBodies: true })
  const stops: { stop(): Promise<void> }[] = []
  try {
    const kase = await createCase(svc, 1)
    await createEndpoint(svc, 'http://127.0.0.1:9/none', {
      eventTypes: ['deadline.reminder', 'hearing.reminder'],
      remindBefore: ['P7D', 'P1D'],
      caseIds: [kase.id],
      n: 0,
    })

    // --- (a) the override
    const trigger = DateTime.now().setZone(kase.timeZone).plus({ days: 60 }).toISODate() as string
    const rule = await svc.rules.mustGet('kz.crpc-416-appeal')
    const records: Deadline[] = await mapConcurrent(
      Array.from({ length: S.override }, (_, i) => i),
      50,
      async () => {
        const d = await svc.deadlineService.computed(
          kase,
          rule,
          'KZ',
          { date: trigger, hearingId: null },
          { id: newId('dln') },
        )
        await svc.deadlines.save(d, undefined)
        return d
      },
    )
    for (let i = 0; i < records.length; i += 500)
      await svc.scheduler.syncMany(records.slice(i, i + 500).map(deadlineItem))
    const dueOn = (records[0] as Deadline).dueOn
    const jobsBefore = (await svc.queues.reminders.getJobCounts('delayed')).delayed ?? 0
    const t0 = performance.now()
    await svc.calendars.setDay('KZ', dueOn, { open: false, reason: 'bench: court closed' })
    const overrideMs = performance.now() - t0
    const after = (await svc.deadlines.getMany(records.map((d) => d.id))) as Deadline[]
    const moved = after.filter((d) => d.dueOn !== dueOn && d.version === 2).length
    const jobsAfter = (await svc.queues.reminders.getJobCounts('delayed')).delayed ?? 0

    // The baseline: moving hearings one at a time, as PATCH does.
    const base = Math.ceil((Date.now() + 30 * DAY) / 60_000) * 60_000
    const hearings = Array.from({ length: S.hearingMoves }, (_, i) =>
      hearingRecord(kase, base + i * 60_000, i),
    )
    for (const h of hearings) {
      await svc.hearings.save(h, undefined)
      await svc.scheduler.sync(hearingItem(h))
    }
    const h0 = performance.now()
    for (const [i, h] of hearings.entries())
      await svc.hearingService.update(h.id, { startsAt: wallTime(base + DAY + i * 60_000) })
    const perHearingMs = (performance.now() - h0) / hearings.length

    ctx.row({
      section: SECTION,
      metric: `override moving ${S.override} open deadlines: recomputed + re-planned`,
      value: overrideMs,
      baseline: perHearingMs * S.override,
      baselineLabel: `as many hearing moves (hearingService.update) one by one`,
      unit: 'ms',
      target: '< 10 000 ms',
      met: overrideMs < 10_000 && moved === S.override,
      ...(moved !== S.override ? { note: `only ${moved} of ${S.override} moved` } : {}),
    })
    ctx.row({
      section: SECTION,
      metric: 'per deadline (override) vs per hearing reschedule',
      value: overrideMs / S.override,
      baseline: perHearingMs,
      baselineLabel: 'one hearing moved (write + event + re-plan)',
      unit: 'ms',
      target: '—',
      met: null,
    })
    ctx.row({
      section: SECTION,
      metric: 'delayed reminder jobs after the override (2 per deadline)',
      value: jobsAfter,
      baseline: jobsBefore,
      baselineLabel: 'before the override',
      unit: 'jobs',
      target: `= ${jobsBefore}`,
      met: jobsAfter === jobsBefore,
    })

    // --- (b) sparse deadline reminders, fired by a worker process
    const worker = await ctx.startCourtbell({
      section: 'deadlines',
      name: 'worker',
      role: 'worker',
      prefix,
      env: { RECONCILE_INTERVAL_MS: '3600000' },
    })
    stops.push(worker)
    await worker.waitForLine((l) => l.includes('reconciler pass'), 120_000, 'the start-up reconciler pass')
    const sparseCase = await createCase(svc, 2)
    await createEndpoint(svc, receiver.url, {
      eventTypes: ['deadline.reminder'],
      remindBefore: ['PT1H'],
      caseIds: [sparseCase.id],
      n: 1,
    })
    const n = Math.round((S.sparseSeconds * 1000) / S.sparseEveryMs)
    const sparse = await sparseDeadlines(svc, receiver, sparseCase, n, S.sparseEveryMs)
    ctx.row({
      section: SECTION,
      metric: `deadline reminders, sparse (1 per ${S.sparseEveryMs} ms, ${n}) lag p50`,
      value: sparse.p50,
      baseline: sparse.n,
      baselineLabel: 'arrived',
      unit: 'ms',
      ratio: null,
      target: '≤ 20 ms',
      met: sparse.p50 <= 20 && sparse.n === n,
    })
    ctx.row({
      section: SECTION,
      metric: 'deadline reminders, sparse lag p99',
      value: sparse.p99,
      baseline: sparse.max,
      baselineLabel: 'max',
      unit: 'ms',
      ratio: null,
      target: '≤ 100 ms',
      met: sparse.p99 <= 100,
    })
    ctx.details.deadlines = { sizes: S, overrideMs, moved, perHearingMs, jobsBefore, jobsAfter, sparse }
  } finally {
    for (const p of stops) await p.stop()
    await receiver.close()
    await deletePrefix(ctx.redis.client, prefix)
    await svc.close()
  }
}

/** N deadlines whose PT1H reminders come due `everyMs` apart (due instants with milliseconds, written directly; 25 ms of lead time each, for a busy machine). */
async function sparseDeadlines(
  svc: BenchServices,
  receiver: Receiver,
  kase: Case,
  n: number,
  everyMs: number,
) {
  receiver.reset()
  const first = Date.now() + 3000 + n * 25
  const now = new Date().toISOString()
  for (let i = 0; i < n; i++) {
    const dueAt = first + i * everyMs + HOUR
    const local = DateTime.fromMillis(dueAt).setZone(kase.timeZone)
    const d: Deadline = {
      id: newId('dln'),
      caseId: kase.id,
      title: `Deadline ${i}`,
      notes: null,
      dueOn: local.toISODate() as string,
      endOfDay: local.toFormat('HH:mm:ss'),
      dueAtUtc: new Date(dueAt).toISOString(),
      timeZone: kase.timeZone,
      status: 'open',
      ruleId: null,
      trigger: null,
      computation: null,
      metNote: null,
      cancelReason: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    }
    await svc.deadlines.save(d, undefined)
    await svc.scheduler.sync(deadlineItem(d))
  }
  if (Date.now() > first - 200) throw new Error('sparse deadline fixtures took longer than their lead time')
  await receiver.waitForCount(n, first - Date.now() + n * everyMs + 60_000)
  await sleep(200)
  return summary(
    receiver.arrivals.map((a) => {
      const body = JSON.parse(a.body ?? '{}') as { data?: { reminder?: { dueAt?: string } } }
      return a.at - Date.parse(body.data?.reminder?.dueAt ?? 'NaN')
    }),
  )
}
