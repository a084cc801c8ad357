import fc from 'fast-check'
import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import { type CourtDays, courtCalendar, type Override } from '../../src/court-calendar/court-days.js'
import { loadBuiltInRules } from '../../src/deadlines/builtin-rules.js'
import { computeDueDay } from '../../src/deadlines/compute.js'
import type { DeadlineRule, RuleTerms } from '../../src/deadlines/rule.schema.js'

const builtIn = new Map(loadBuiltInRules().map((r) => [r.id, r]))
const rule = (id: string): DeadlineRule => {
  const found = builtIn.get(id)
  if (!found) throw new Error(`no built-in rule ${id}`)
  return found
}
const us = courtCalendar('US')
const kz = courtCalendar('KZ')
const kzWith = (overrides: Record<string, Override>) =>
  courtCalendar('KZ', new Map(Object.entries(overrides)))

describe('computeDueDay: FRCP 6(a)(1) worked examples (US federal calendar)', () => {
  it('excludes the trigger day and includes the last day (FRAP 4(a)(1)(A): 30 days)', () => {
    // Judgment entered Tuesday 2 June 2026: day 1 is 3 June, day 30 is Thursday 2 July, a court day.
    expect(computeDueDay(rule('us.frap-4a1a'), '2026-06-02', us)).toEqual({
      dueOn: '2026-07-02',
      lastDayCounted: '2026-07-02',
      rolledTo: null,
      skipped: [],
    })
  })

  it('rolls a last day on a legal holiday past the weekend to the next court day (FRCP 6(a)(1)(C))', () => {
    // Entered Wednesday 25 November 2026; day 30 is Friday 25 December (Christmas Day), then a weekend.
    expect(computeDueDay(rule('us.frap-4a1a'), '2026-11-25', us)).toEqual({
      dueOn: '2026-12-28',
      lastDayCounted: '2026-12-25',
      rolledTo: '2026-12-28',
      skipped: [
        { date: '2026-12-25', reason: 'Christmas Day' },
        { date: '2026-12-26', reason: 'Saturday' },
        { date: '2026-12-27', reason: 'Sunday' },
      ],
    })
  })

  it('counts the observed day of a holiday that falls on a Saturday as a legal holiday', () => {
    // 4 July 2026 is a Saturday, observed on Friday 3 July (5 U.S.C. 6103(b)); day 30 from 3 June is 3 July.
    expect(computeDueDay(rule('us.frap-4a1a'), '2026-06-03', us)).toEqual({
      dueOn: '2026-07-06',
      lastDayCounted: '2026-07-03',
      rolledTo: '2026-07-06',
      skipped: [
        { date: '2026-07-03', reason: 'Independence Day (substitute day)' },
        { date: '2026-07-04', reason: 'Independence Day' },
        { date: '2026-07-05', reason: 'Sunday' },
      ],
    })
  })

  it('counts weekends inside the period (28 days for FRCP 59(b) land on the same weekday)', () => {
    const due = computeDueDay(rule('us.frcp-59b'), '2026-10-01', us)
    expect(due).toMatchObject({ dueOn: '2026-10-29', rolledTo: null, skipped: [] })
  })

  it('rolls earlier when the period is counted backward (FRCP 6(a)(5); 6(c)(1): 14 days before a hearing)', () => {
    // Hearing on Monday 21 September 2026: 14 days before is Monday 7 September, Labor Day; then Sunday,
    // Saturday; the motion must be served by Friday 4 September.
    expect(computeDueDay(rule('us.frcp-6c1'), '2026-09-21', us)).toEqual({
      dueOn: '2026-09-04',
      lastDayCounted: '2026-09-07',
      rolledTo: '2026-09-04',
      skipped: [
        { date: '2026-09-07', reason: 'Labour Day' }, // the holiday data set's English name
        { date: '2026-09-06', reason: 'Sunday' },
        { date: '2026-09-05', reason: 'Saturday' },
      ],
    })
  })

  it("counts a state's holidays for a case in that state (US-NY: Election Day)", () => {
    // Answer within 21 days of service on Tuesday 13 October 2026: day 21 is Tuesday 3 November, Election Day
    // in New York (a state holiday, N.Y. Gen. Constr. Law § 24) but not a federal one.
    expect(computeDueDay(rule('us.frcp-12a1a'), '2026-10-13', us).dueOn).toBe('2026-11-03')
    expect(computeDueDay(rule('us.frcp-12a1a'), '2026-10-13', courtCalendar('US-NY'))).toMatchObject({
      dueOn: '2026-11-04',
      skipped: [{ date: '2026-11-03', reason: 'Election Day' }],
    })
  })
})

describe('computeDueDay: months (Kazakhstan, CPC art. 403: one month)', () => {
  it('31 January + 1 month is the last day of February, then rolled off the weekend', () => {
    // 28 February 2027 is a Sunday: the appeal is due Monday 1 March.
    expect(computeDueDay(rule('kz.cpc-403-appeal'), '2027-01-31', kz)).toEqual({
      dueOn: '2027-03-01',
      lastDayCounted: '2027-02-28',
      rolledTo: '2027-03-01',
      skipped: [{ date: '2027-02-28', reason: 'Sunday' }],
    })
  })

  it('in a leap year, 31 January + 1 month is 29 February', () => {
    expect(computeDueDay(rule('kz.cpc-403-appeal'), '2028-01-31', kz)).toMatchObject({
      dueOn: '2028-02-29',
      rolledTo: null,
    })
  })

  it('counts months backward from the end of a long month to the end of a short one', () => {
    const before: RuleTerms = { period: 'P1M', counting: 'calendar-days', direction: 'before', roll: 'none' }
    expect(computeDueDay(before, '2026-03-31', kz).dueOn).toBe('2026-02-28')
  })

  it('a year from 29 February is 28 February', () => {
    const year: RuleTerms = { period: 'P1Y', counting: 'calendar-days', direction: 'after', roll: 'none' }
    expect(computeDueDay(year, '2028-02-29', kz).dueOn).toBe('2029-02-28')
  })
})

describe('computeDueDay: court days in Kazakhstan', () => {
  const fifteenCourtDays: RuleTerms = {
    period: 'P15D',
    counting: 'court-days',
    direction: 'after',
    roll: 'next-court-day',
  }

  it('counts 15 court days from the 14 December ruling across Independence Day and the New Year holidays', () => {
    // 15 Dec (1), 16 Dec Independence Day, 17–18 (2–3), weekend, 21–25 (4–8), weekend, 28–31 (9–12),
    // 1–2 Jan New Year, 3 Jan Sunday, 4 Jan substitute for 2 Jan, 5–6 Jan (13–14), 7 Jan Orthodox Christmas, 8 Jan (15).
    expect(computeDueDay(fifteenCourtDays, '2026-12-14', kz)).toEqual({
      dueOn: '2027-01-08',
      lastDayCounted: '2027-01-08',
      rolledTo: null,
      skipped: [
        { date: '2026-12-16', reason: 'Independence Day' },
        { date: '2026-12-19', reason: 'Saturday' },
        { date: '2026-12-20', reason: 'Sunday' },
        { date: '2026-12-26', reason: 'Saturday' },
        { date: '2026-12-27', reason: 'Sunday' },
        { date: '2027-01-01', reason: "New Year's Day" },
        { date: '2027-01-02', reason: "New Year's Day" },
        { date: '2027-01-03', reason: 'Sunday' },
        { date: '2027-01-04', reason: "New Year's Day (substitute day)" },
        { date: '2027-01-07', reason: 'Orthodox Christmas' },
      ],
    })
  })

  it('CPC art. 429: ten working days from a ruling made in final form on 21 December 2026', () => {
    // 22–25 Dec (1–4), weekend, 28–31 (5–8), 1–4 Jan closed, 5 Jan (9), 6 Jan (10).
    expect(computeDueDay(rule('kz.cpc-429-private-complaint'), '2026-12-21', kz)).toMatchObject({
      dueOn: '2027-01-06',
      rolledTo: null,
    })
  })

  it('a week counted in court days is seven court days', () => {
    const week: RuleTerms = { ...fifteenCourtDays, period: 'P1W' }
    const sevenDays: RuleTerms = { ...fifteenCourtDays, period: 'P7D' }
    expect(computeDueDay(week, '2026-12-14', kz)).toEqual(computeDueDay(sevenDays, '2026-12-14', kz))
  })
})

describe('computeDueDay: staff overrides', () => {
  it('an override that closes the last day moves the deadline to the next court day', () => {
    // CrPC art. 416: 15 days from 14 December 2026 is Tuesday 29 December.
    expect(computeDueDay(rule('kz.crpc-416-appeal'), '2026-12-14', kz).dueOn).toBe('2026-12-29')
    const closed = kzWith({ '2026-12-29': { open: false, reason: 'Court closed: heating failure' } })
    expect(computeDueDay(rule('kz.crpc-416-appeal'), '2026-12-14', closed)).toEqual({
      dueOn: '2026-12-30',
      lastDayCounted: '2026-12-29',
      rolledTo: '2026-12-30',
      skipped: [{ date: '2026-12-29', reason: 'Court closed: heating failure' }],
    })
  })

  it('an extra working Saturday is counted as a court day', () => {
    const saturday = kzWith({ '2026-12-19': { open: true, reason: 'Working Saturday (government decree)' } })
    // Ten court days from 14 December: 29 December normally; with 19 December worked, 28 December.
    expect(computeDueDay(rule('kz.cpc-429-private-complaint'), '2026-12-14', kz).dueOn).toBe('2026-12-29')
    expect(computeDueDay(rule('kz.cpc-429-private-complaint'), '2026-12-14', saturday).dueOn).toBe(
      '2026-12-28',
    )
    // And a calendar period ending on that Saturday no longer rolls to Monday.
    expect(computeDueDay(rule('kz.crpc-416-appeal'), '2026-12-04', kz).dueOn).toBe('2026-12-21')
    expect(computeDueDay(rule('kz.crpc-416-appeal'), '2026-12-04', saturday)).toMatchObject({
      dueOn: '2026-12-19',
      rolledTo: null,
      skipped: [],
    })
  })

  it('roll none keeps a last day that is not a court day', () => {
    const noRoll: RuleTerms = { period: 'P15D', counting: 'calendar-days', direction: 'after', roll: 'none' }
    expect(computeDueDay(noRoll, '2026-12-04', kz)).toEqual({
      dueOn: '2026-12-19',
      lastDayCounted: '2026-12-19',
      rolledTo: null,
      skipped: [],
    })
  })
})

describe('computeDueDay: properties', () => {
  const jurisdictions = ['KZ', 'US', 'US-NY'] as const
  const date = fc
    .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2032, 11, 31) })
    .map((ms) => new Date(ms).toISOString().slice(0, 10))
  const period = fc.oneof(
    fc.integer({ min: 1, max: 120 }).map((n) => `P${n}D`),
    fc.integer({ min: 1, max: 20 }).map((n) => `P${n}W`),
    fc.integer({ min: 1, max: 24 }).map((n) => `P${n}M`),
    fc.integer({ min: 1, max: 3 }).map((n) => `P${n}Y`),
  )
  const overrides = fc.array(
    fc.record({ date, open: fc.boolean(), reason: fc.constantFrom('Snow', 'Working Saturday', 'Strike') }),
    { maxLength: 30 },
  )
  const calendarOf = (jurisdiction: string, list: { date: string; open: boolean; reason: string }[]) =>
    courtCalendar(jurisdiction, new Map(list.map(({ date: d, ...o }) => [d, o])))
  const plus = (trigger: string, p: string, sign: 1 | -1) => {
    const amount = sign * Number(p.slice(1, -1))
    const unit = ({ D: 'days', W: 'weeks', M: 'months', Y: 'years' } as const)[p.slice(-1) as 'D']
    return DateTime.fromISO(trigger, { zone: 'utc' })
      .plus({ [unit]: amount })
      .toISODate() as string
  }

  it('an after rule is never due before the trigger plus the period, and always on a court day when rolling', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...jurisdictions),
        date,
        period,
        fc.constantFrom('calendar-days', 'court-days'),
        overrides,
        (jurisdiction, trigger, p, counting, list) => {
          const courtDays = calendarOf(jurisdiction, list)
          const terms: RuleTerms = {
            period: counting === 'court-days' && /[MY]$/.test(p) ? 'P10D' : p,
            counting: counting as RuleTerms['counting'],
            direction: 'after',
            roll: 'next-court-day',
          }
          const due = computeDueDay(terms, trigger, courtDays)
          expect(due.dueOn >= plus(trigger, terms.period, 1)).toBe(true)
          expect(courtDays(due.dueOn).open).toBe(true)
          for (const s of due.skipped) expect(courtDays(s.date).open).toBe(false)
        },
      ),
      { numRuns: 400 },
    )
  })

  it('a before rule is never due after the trigger minus the period, and always on a court day', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...jurisdictions),
        date,
        period,
        overrides,
        (jurisdiction, trigger, p, list) => {
          const courtDays = calendarOf(jurisdiction, list)
          const terms: RuleTerms = {
            period: p,
            counting: 'calendar-days',
            direction: 'before',
            roll: 'next-court-day',
          }
          const due = computeDueDay(terms, trigger, courtDays)
          expect(due.dueOn <= plus(trigger, p, -1)).toBe(true)
          expect(courtDays(due.dueOn).open).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('counts exactly n court days between the trigger and the last day counted', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...jurisdictions),
        date,
        fc.integer({ min: 1, max: 60 }),
        overrides,
        (j, trigger, n, list) => {
          const courtDays: CourtDays = calendarOf(j, list)
          const due = computeDueDay(
            { period: `P${n}D`, counting: 'court-days', direction: 'after', roll: 'next-court-day' },
            trigger,
            courtDays,
          )
          let open = 0
          for (let d = plus(trigger, 'P1D', 1); d <= due.lastDayCounted; d = plus(d, 'P1D', 1))
            if (courtDays(d).open) open++
          expect(open).toBe(n)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('is idempotent: computing again from the same inputs gives the same answer', () => {
    fc.assert(
      fc.property(fc.constantFrom(...jurisdictions), date, period, overrides, (j, trigger, p, list) => {
        const terms: RuleTerms = {
          period: p,
          counting: 'calendar-days',
          direction: 'after',
          roll: 'next-court-day',
        }
        const first = computeDueDay(terms, trigger, calendarOf(j, list))
        expect(computeDueDay(terms, trigger, calendarOf(j, list))).toEqual(first)
      }),
      { numRuns: 200 },
    )
  })
})
