import { hearingItem } from '../../src/hearings/hearing.dated.js'
import type { Ctx } from '../lib/context.js'
import { createCase, hearingRecord, wallTime } from '../lib/fixtures.js'
import { benchServices } from '../lib/services.js'
import { deletePrefix, mapConcurrent, median, percentile } from '../lib/util.js'

const SECTION = '5 reschedule'
const DAY = 86_400_000
const OFFSETS = ['P7D', 'P1D', 'PT2H']

/**
 * Section 5: PATCH /v1/hearings/:id with a new startsAt, over HTTP against a ROLE=api process, for hearings
 * followed by 1, 100 and A subscribers (each wanting the same 3 reminders). Moving a hearing should touch
 * its 3 reminder jobs whatever its audience. No worker runs: the rescheduled notices the change queues (one
 * email per subscriber, by contract) are the event worker's job, not the request's.
 */
export async function rescheduleSection(ctx: Ctx) {
  const S = ctx.sizes.reschedule
  const prefix = ctx.newPrefix('resched')
  const svc = await benchServices(ctx.redis.url, prefix)
  const stops: { stop(): Promise<void> }[] = []
  try {
    const staff = await svc.keys.create('bench staff', 'staff')
    const kase = await createCase(svc, 1)
    const base = Math.ceil((Date.now() + 30 * DAY) / 60_000) * 60_000
    const hearings = []
    for (const [k, audience] of S.audiences.entries()) {
      const h = hearingRecord(kase, base + k * DAY, k)
      await svc.hearings.save(h, undefined)
      await mapConcurrent(
        Array.from({ length: audience }, (_, i) => i),
        50,
        (i) =>
          svc.subscriptions.upsert(
            { kind: 'hearing', hearingId: h.id },
            { email: `lawyer${i}@example.org`, name: null, timeZone: null, remindBefore: OFFSETS },
            'active',
          ),
      )
      await svc.scheduler.sync(hearingItem(h))
      hearings.push({ audience, hearing: h, times: [] as number[] })
    }
    const api = await ctx.startCourtbell({ section: 'resched', name: 'api', role: 'api', prefix })
    stops.push(api)
    const headers = { authorization: `Bearer ${staff.key}`, 'content-type': 'application/json' }
    let move = 0
    const patch = async (id: string, dayOffset: number) => {
      move++
      const startsAt = wallTime(base + dayOffset * DAY + (move % 600) * 60_000)
      const t0 = performance.now()
      const res = await fetch(`${api.baseUrl}/v1/hearings/${id}`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({ startsAt }),
      })
      await res.arrayBuffer()
      const ms = performance.now() - t0
      if (res.status !== 200) throw new Error(`PATCH answered ${res.status}`)
      return ms
    }
    // Round-robin over the audiences so that machine noise spreads over all of them alike.
    for (let rep = 0; rep < S.warmup + S.reps; rep++)
      for (const [k, h] of hearings.entries()) {
        const ms = await patch(h.hearing.id, k)
        if (rep >= S.warmup) h.times.push(ms)
      }
    const jobs = { delayed: (await svc.queues.reminders.getJobCounts('delayed')).delayed ?? 0 }
    const one = hearings[0]
    const most = hearings[hearings.length - 1]
    if (!one || !most) throw new Error('no audiences')
    for (const h of hearings.slice(1))
      ctx.row({
        section: SECTION,
        metric: `PATCH startsAt, ${h.audience} vs 1 subscriber(s), median`,
        value: median(h.times),
        baseline: median(one.times),
        baselineLabel: 'the same move of a hearing with 1 subscriber',
        unit: 'ms',
        target: h === most ? 'ratio < 2' : '—',
        met: h === most ? median(h.times) / median(one.times) < 2 : null,
      })
    ctx.row({
      section: SECTION,
      metric: 'delayed reminder jobs after the moves (3 per hearing)',
      value: jobs.delayed,
      baseline: 3 * hearings.length,
      unit: 'jobs',
      target: `= ${3 * hearings.length}`,
      met: jobs.delayed === 3 * hearings.length,
    })
    ctx.details.reschedule = {
      sizes: S,
      perAudience: hearings.map((h) => ({
        audience: h.audience,
        medianMs: median(h.times),
        p90Ms: percentile(h.times, 90),
        times: h.times,
      })),
      delayedJobs: jobs.delayed,
    }
  } finally {
    for (const p of stops) await p.stop()
    await deletePrefix(ctx.redis.client, prefix)
    await svc.close()
  }
}
