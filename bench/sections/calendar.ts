import ical, { ICalEventStatus } from 'ical-generator'
import { DateTime, Duration } from 'luxon'
import { hearingCalendarItem } from '../../src/calendar/item.js'
import { renderCalendar } from '../../src/calendar/render.js'
import type { Hearing } from '../../src/hearings/hearing.schema.js'
import type { Ctx } from '../lib/context.js'
import { createCase, hearingRecord } from '../lib/fixtures.js'
import { benchServices } from '../lib/services.js'
import { deletePrefix, mapConcurrent, median } from '../lib/util.js'

const SECTION = '6 calendar'
const DAY = 86_400_000

/**
 * Section 6: a case's calendar feed of N hearings, in the bench process. Rendering items none of which the
 * renderer has seen (against ical-generator rendering the same events with its own line folding), rendering
 * them again (VEVENTs come from the render cache), and the feed as the route builds it (hearings read from
 * Redis, then rendered) against the reads alone.
 */
export async function calendarSection(ctx: Ctx) {
  const S = ctx.sizes.calendar
  const prefix = ctx.newPrefix('cal')
  const svc = await benchServices(ctx.redis.url, prefix)
  try {
    const kase = await createCase(svc, 1)
    const base = Math.ceil((Date.now() + 7 * DAY) / 60_000) * 60_000
    // Hearings spread over a year, every fifth one cancelled (still in the feed), titles with text to escape.
    const hearings: Hearing[] = Array.from({ length: S.items }, (_, i) => {
      const h = hearingRecord(kase, base + (i % 365) * DAY + (i % 8) * 3_600_000, i)
      return {
        ...h,
        title: `${h.title}; part ${i}, room ${i % 40}`,
        notes: i % 3 === 0 ? 'Bring the passport copies,\nand the power of attorney' : null,
        ...(i % 5 === 0 ? { status: 'cancelled' as const, version: 2 } : {}),
      }
    })
    await mapConcurrent(hearings, 50, (h) => svc.hearings.save(h, undefined))
    const host = new URL(svc.config.http.publicBaseUrl).hostname
    const time = async (fn: () => unknown) => {
      const t0 = performance.now()
      await fn()
      return performance.now() - t0
    }

    const cold: number[] = []
    const coldCpu: number[] = []
    const warm: number[] = []
    const library: number[] = []
    const feed: number[] = []
    const reads: number[] = []
    let bytes = 0
    // Alternating, so that other load on a shared machine falls on both sides alike.
    for (let rep = 0; rep < S.warmup + S.reps; rep++) {
      const keep = rep >= S.warmup
      // Every item revised since the last render (a new updatedAt): nothing can come from the render cache.
      const revised = new Date(Date.now() + rep).toISOString()
      const cpu0 = process.cpuUsage()
      const coldMs = await time(() => {
        bytes = renderCalendar(
          hearings.map((h) => hearingCalendarItem({ ...h, updatedAt: revised }, kase)),
          { host, name: kase.title, refreshSeconds: 3600 },
        ).length
      })
      const cpu = process.cpuUsage(cpu0)
      const warmMs = await time(() =>
        renderCalendar(
          hearings.map((h) => hearingCalendarItem({ ...h, updatedAt: revised }, kase)),
          { host, name: kase.title, refreshSeconds: 3600 },
        ),
      )
      const libraryMs = await time(() => libraryOnly(hearings, host))
      const feedMs = await time(() => svc.calendar.ofCase(kase))
      const readMs = await time(() => readAll(svc, kase.id))
      if (keep) {
        cold.push(coldMs)
        coldCpu.push((cpu.user + cpu.system) / 1000)
        warm.push(warmMs)
        library.push(libraryMs)
        feed.push(feedMs)
        reads.push(readMs)
      }
    }
    ctx.row({
      section: SECTION,
      metric: `render a feed of ${S.items} hearings, every one new to the renderer, median`,
      value: median(cold),
      baseline: median(library),
      baselineLabel: 'ical-generator rendering the same events with its own line folding',
      unit: 'ms',
      target: '< 100',
      met: median(cold) < 100,
    })
    ctx.row({
      section: SECTION,
      metric:
        'the same, CPU time of the bench process (what other load on the machine does not inflate), median',
      value: median(coldCpu),
      baseline: null,
      unit: 'ms',
      target: '—',
      met: null,
    })
    ctx.row({
      section: SECTION,
      metric: `render the same feed again (its VEVENTs already written), median`,
      value: median(warm),
      baseline: median(cold),
      baselineLabel: 'the first render of those items',
      unit: 'ms',
      target: '< 50',
      met: median(warm) < 50,
    })
    ctx.row({
      section: SECTION,
      metric: `a case feed of ${S.items} hearings as the route builds it (Redis reads + render), median`,
      value: median(feed),
      baseline: median(reads),
      baselineLabel: 'reading the same hearings alone (hearings.list, pages of 200)',
      unit: 'ms',
      target: '< 100',
      met: median(feed) < 100,
    })
    ctx.details.calendar = {
      sizes: S,
      bytes,
      coldMs: cold,
      coldCpuMs: coldCpu,
      warmMs: warm,
      libraryMs: library,
      feedMs: feed,
      readMs: reads,
    }
  } finally {
    await deletePrefix(ctx.redis.client, prefix)
    await svc.close()
  }
}

async function readAll(svc: Awaited<ReturnType<typeof benchServices>>, caseId: string) {
  let cursor: string | undefined
  do {
    const page = await svc.hearings.list({ caseId, limit: 200, cursor })
    cursor = page.nextCursor ?? undefined
  } while (cursor)
}

/** The baseline: ical-generator alone, its calendar.toString() folding the whole text. */
function libraryOnly(hearings: readonly Hearing[], host: string): number {
  const calendar = ical({ name: 'bench', ttl: 3600 })
  for (const h of hearings) {
    const start = DateTime.fromMillis(Date.parse(h.startsAtUtc), { zone: h.timeZone })
    calendar.createEvent({
      id: `${h.id}@${host}`,
      sequence: h.version,
      stamp: new Date(h.updatedAt),
      start,
      end: start.plus(Duration.fromISO(h.duration)),
      timezone: h.timeZone,
      summary: h.title,
      description: h.notes ?? '',
      location: h.location,
      status: h.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    })
  }
  return calendar.toString().length
}
