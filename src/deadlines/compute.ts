import type { CourtDays } from '../court-calendar/court-days.js'
import { addDays, addMonths, type LocalDate } from '../court-calendar/dates.js'
import type { RuleTerms } from './rule.schema.js'

export type Skipped = { date: LocalDate; reason: string }
/** A due day with its explanation: the last day the period reached, where it rolled to, and every day left out. */
export type DueDay = {
  dueOn: LocalDate
  lastDayCounted: LocalDate
  rolledTo: LocalDate | null
  skipped: Skipped[]
}

/** No real period needs this many steps; a calendar closed for years is a mistake, not a deadline. */
const MAX_STEPS = 10_000

export function parsePeriod(period: string): { amount: number; unit: 'D' | 'W' | 'M' | 'Y' } {
  const m = /^P(\d+)([DWMY])$/.exec(period)
  if (!m) throw new RangeError(`period ${period} is not P<n>D, P<n>W, P<n>M or P<n>Y`)
  return { amount: Number(m[1]), unit: m[2] as 'D' | 'W' | 'M' | 'Y' }
}

/**
 * The last day of a period counted from a trigger date, as FRCP 6(a)(1) and most procedural codes count:
 * the trigger day is not counted; calendar periods land on the trigger date plus the period (months: the same
 * day of the month, or the month's last day); court-day periods count only court days; and a last day that is
 * not a court day rolls on, in the direction of counting, to the first court day.
 */
export function computeDueDay(rule: RuleTerms, trigger: LocalDate, courtDays: CourtDays): DueDay {
  const { amount, unit } = parsePeriod(rule.period)
  const step = rule.direction === 'before' ? -1 : 1
  const skipped: Skipped[] = []
  const closed = (date: LocalDate) => {
    const day = courtDays(date)
    if (day.open) return false
    skipped.push({ date, reason: day.reason ?? 'Court closed' })
    return true
  }

  let lastDayCounted: LocalDate
  if (rule.counting === 'court-days') {
    if (unit === 'M' || unit === 'Y')
      throw new RangeError('court-days counting needs a period in days or weeks')
    const wanted = unit === 'W' ? amount * 7 : amount
    let date = trigger
    for (let counted = 0, steps = 0; counted < wanted; steps++) {
      if (steps > MAX_STEPS) throw new RangeError(`no ${wanted} court days within ${MAX_STEPS} days`)
      date = addDays(date, step)
      if (!closed(date)) counted++
    }
    lastDayCounted = date
  } else if (unit === 'D' || unit === 'W') {
    lastDayCounted = addDays(trigger, step * amount * (unit === 'W' ? 7 : 1))
  } else {
    lastDayCounted = addMonths(trigger, step * amount * (unit === 'Y' ? 12 : 1))
  }

  let dueOn = lastDayCounted
  if (rule.roll === 'next-court-day') {
    for (let steps = 0; closed(dueOn); steps++) {
      if (steps > MAX_STEPS)
        throw new RangeError(`no court day within ${MAX_STEPS} days of ${lastDayCounted}`)
      dueOn = addDays(dueOn, step)
    }
  }
  return { dueOn, lastDayCounted, rolledTo: dueOn === lastDayCounted ? null : dueOn, skipped }
}

/** The dates whose status the computation depended on: from the day after the trigger to the due day. */
export function computationSpan(
  trigger: LocalDate,
  due: Pick<DueDay, 'dueOn'>,
): { first: LocalDate; last: LocalDate } {
  return due.dueOn >= trigger
    ? { first: addDays(trigger, 1), last: due.dueOn }
    : { first: due.dueOn, last: addDays(trigger, -1) }
}
