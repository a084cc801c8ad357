import { describe, expect, it } from 'vitest'
import type { Case } from '../../src/cases/case.schema.js'
import { arrange, deadlineEntry, hearingEntry } from '../../src/digests/compose.js'
import { digestIds } from '../../src/digests/ids.js'
import { digestsToPlan, latestDigest, nextDigest, periodOf } from '../../src/digests/period.js'
import type { Hearing } from '../../src/hearings/hearing.schema.js'

const at = (iso: string) => Date.parse(iso)

describe('when a digest goes out', () => {
  it('goes out daily at the digest hour in the reader’s zone', () => {
    // 10:00 in Almaty (UTC+5 since 2024-03-01): today's 07:00 has passed, tomorrow's is next.
    const now = at('2026-12-01T05:00:00Z')
    expect(nextDigest('daily', 'Asia/Almaty', '07:00', now)).toEqual({
      frequency: 'daily',
      period: '2026-12-02',
      moment: '2026-12-02T02:00:00.000Z',
      windowEnd: '2026-12-09T02:00:00.000Z',
      previousMoment: '2026-12-01T02:00:00.000Z',
    })
    expect(latestDigest('daily', 'Asia/Almaty', '07:00', now).moment).toBe('2026-12-01T02:00:00.000Z')
  })

  it('is the next day’s when the hour is exactly now (a moment is sent once, by the job made for it)', () => {
    const now = at('2026-12-01T02:00:00Z')
    expect(nextDigest('daily', 'Asia/Almaty', '07:00', now).period).toBe('2026-12-02')
    expect(latestDigest('daily', 'Asia/Almaty', '07:00', now).period).toBe('2026-12-01')
  })

  it('keeps the local hour across a DST change, both ways', () => {
    // New York springs forward on 2026-03-08 and falls back on 2026-11-01.
    const spring = nextDigest('daily', 'America/New_York', '07:00', at('2026-03-07T15:00:00Z'))
    expect(spring.moment).toBe('2026-03-08T11:00:00.000Z') // 07:00 EDT
    expect(spring.previousMoment).toBe('2026-03-07T12:00:00.000Z') // 07:00 EST
    expect(spring.windowEnd).toBe('2026-03-15T11:00:00.000Z')
    const fall = nextDigest('daily', 'America/New_York', '07:00', at('2026-10-31T15:00:00Z'))
    expect(fall.moment).toBe('2026-11-01T12:00:00.000Z') // 07:00 EST
    expect(fall.previousMoment).toBe('2026-10-31T11:00:00.000Z') // 07:00 EDT
  })

  it('moves a digest hour that a DST change skips to the first wall time that exists', () => {
    // 02:30 does not exist in New York on 2026-03-08: clocks go from 02:00 to 03:00.
    const skipped = nextDigest('daily', 'America/New_York', '02:30', at('2026-03-08T05:00:00Z'))
    expect(skipped.moment).toBe('2026-03-08T07:30:00.000Z') // 03:30 EDT
    expect(skipped.period).toBe('2026-03-08')
  })

  it('follows the reader’s zone, not the server’s or the court’s', () => {
    const now = at('2026-12-01T05:00:00Z')
    expect(nextDigest('daily', 'Europe/London', '07:00', now).moment).toBe('2026-12-01T07:00:00.000Z')
    expect(nextDigest('daily', 'Asia/Tokyo', '07:00', now).moment).toBe('2026-12-01T22:00:00.000Z')
  })

  it('goes out weekly on Mondays, looking 14 days ahead', () => {
    // Sunday 29 November 2026 in Almaty.
    const sunday = nextDigest('weekly', 'Asia/Almaty', '07:00', at('2026-11-29T10:00:00Z'))
    expect(sunday).toEqual({
      frequency: 'weekly',
      period: '2026-11-30',
      moment: '2026-11-30T02:00:00.000Z',
      windowEnd: '2026-12-14T02:00:00.000Z',
      previousMoment: '2026-11-23T02:00:00.000Z',
    })
    // Monday after 07:00: the next is a week later.
    const monday = nextDigest('weekly', 'Asia/Almaty', '07:00', at('2026-11-30T03:00:00Z'))
    expect(monday.period).toBe('2026-12-07')
    expect(latestDigest('weekly', 'Asia/Almaty', '07:00', at('2026-12-03T00:00:00Z')).period).toBe(
      '2026-11-30',
    )
  })

  it('takes Monday in the reader’s zone: in Auckland it begins while UTC is still on Sunday', () => {
    const next = nextDigest('weekly', 'Pacific/Auckland', '07:00', at('2026-11-29T12:00:00Z'))
    expect(next.period).toBe('2026-11-30')
    expect(next.moment).toBe('2026-11-29T18:00:00.000Z') // Monday 07:00 NZDT (UTC+13)
  })

  it('plans a missed digest late for 12 hours, then only the next one', () => {
    const moment = at('2026-12-01T02:00:00Z')
    const soon = digestsToPlan('daily', 'Asia/Almaty', '07:00', moment + 11 * 3_600_000)
    expect(soon.late?.period).toBe('2026-12-01')
    expect(soon.next.period).toBe('2026-12-02')
    const later = digestsToPlan('daily', 'Asia/Almaty', '07:00', moment + 13 * 3_600_000)
    expect(later.late).toBeUndefined()
  })

  it('rebuilds the same period from the moment a job carries', () => {
    const next = nextDigest('weekly', 'America/New_York', '07:00', at('2026-10-28T12:00:00Z'))
    expect(periodOf('weekly', 'America/New_York', next.moment)).toEqual(next)
  })

  it('names a digest by address (in any case), frequency and period only', () => {
    const a = digestIds('Lawyer@Example.org', 'daily', '2026-12-01')
    expect(digestIds('lawyer@example.org', 'daily', '2026-12-01')).toEqual(a)
    expect(digestIds('lawyer@example.org', 'daily', '2026-12-02').deliveryId).not.toBe(a.deliveryId)
    expect(digestIds('lawyer@example.org', 'weekly', '2026-12-01').deliveryId).not.toBe(a.deliveryId)
    expect(a.deliveryId).toMatch(/^dlv_[0-9a-f]{28}$/)
    expect(a.jobId).not.toContain(':')
  })
})

describe('what a digest lists', () => {
  const period = periodOf('daily', 'Asia/Almaty', '2026-12-01T02:00:00.000Z')
  const hearing = (over: Partial<Hearing>): Hearing => ({
    id: 'hrg_1',
    caseId: 'case_1',
    title: 'Hearing',
    startsAt: '2026-12-03T10:00',
    allDay: false,
    timeZone: 'Asia/Almaty',
    startsAtUtc: '2026-12-03T05:00:00.000Z',
    duration: 'PT1H',
    location: null,
    notes: null,
    status: 'scheduled',
    outcome: null,
    cancelReason: null,
    version: 1,
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    ...over,
  })
  const recently = '2026-11-30T12:00:00.000Z' // after the previous digest (2026-11-30T02:00Z)
  const longAgo = '2026-11-20T12:00:00.000Z'

  it('lists scheduled hearings in [moment, moment + 7 days) and nothing outside', () => {
    expect(hearingEntry(hearing({}), period)?.mark).toBeNull()
    expect(hearingEntry(hearing({ startsAtUtc: '2026-12-08T01:59:59.000Z' }), period)).toBeDefined()
    expect(hearingEntry(hearing({ startsAtUtc: '2026-12-08T02:00:00.000Z' }), period)).toBeUndefined()
    expect(hearingEntry(hearing({ startsAtUtc: '2026-12-01T01:59:59.000Z' }), period)).toBeUndefined()
  })

  it('marks what moved, was cancelled or decided since the previous digest, and only then', () => {
    expect(hearingEntry(hearing({ version: 2, updatedAt: recently }), period)?.mark).toBe('moved')
    expect(hearingEntry(hearing({ version: 2, updatedAt: longAgo }), period)?.mark).toBeNull()
    expect(hearingEntry(hearing({ status: 'cancelled', updatedAt: recently }), period)?.mark).toBe(
      'cancelled',
    )
    expect(hearingEntry(hearing({ status: 'cancelled', updatedAt: longAgo }), period)).toBeUndefined()
    expect(hearingEntry(hearing({ status: 'decided', updatedAt: recently }), period)?.mark).toBe('decided')
  })

  it('lists open deadlines due in the window, not met or cancelled ones', () => {
    const deadline = {
      id: 'dln_1',
      caseId: 'case_1',
      title: 'Appeal',
      dueOn: '2026-12-04',
      dueAtUtc: '2026-12-04T18:59:59.000Z',
      timeZone: 'Asia/Almaty',
      status: 'open',
    }
    expect(deadlineEntry(deadline, period)?.dateOnly).toBe('2026-12-04')
    expect(deadlineEntry({ ...deadline, status: 'met' }, period)).toBeUndefined()
    expect(deadlineEntry({ ...deadline, dueAtUtc: '2026-12-20T18:59:59.000Z' }, period)).toBeUndefined()
  })

  it('orders entries by time, each once, grouped under cases that exist', () => {
    const kase = { id: 'case_1', title: 'Case', court: 'Court', caseNumber: null } as Case
    const later = hearingEntry(hearing({ id: 'hrg_2', startsAtUtc: '2026-12-05T05:00:00.000Z' }), period)
    const sooner = hearingEntry(hearing({}), period)
    const orphan = hearingEntry(hearing({ id: 'hrg_3', caseId: 'case_gone' }), period)
    const result = arrange([later, sooner, sooner, orphan], new Map([['case_1', kase]]))
    expect(result.entries.map((e) => e.id)).toEqual(['hrg_1', 'hrg_2'])
    expect(result.cases).toEqual([{ id: 'case_1', title: 'Case', court: 'Court', caseNumber: null }])
  })
})
