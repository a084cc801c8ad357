import { DateTime } from 'luxon'
import type { CourtDays } from '../court-calendar/court-days.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import { computeDueDay } from './compute.js'
import type { Computation, Deadline } from './deadline.schema.js'
import type { DeadlineRule } from './rule.schema.js'

/** The instant a deadline expires: its end of day, on its due day, in its zone (a time in a DST gap moves on). */
export function dueInstant(dueOn: string, endOfDay: string, zone: string): string {
  const at = DateTime.fromISO(`${dueOn}T${endOfDay}`, { zone })
  if (!at.isValid) throw new RangeError(`${dueOn}T${endOfDay} in ${zone} is not a time`)
  return at.toUTC().toISO() as string
}

/**
 * The trigger date a hearing gives: the local date (in the case's zone) of its decision once decided, of its
 * start before that.
 */
export function hearingTriggerDate(hearing: Hearing, zone: string): string {
  const at = hearing.status === 'decided' && hearing.outcome ? hearing.outcome.decidedAt : hearing.startsAtUtc
  return DateTime.fromISO(at, { zone: 'utc' }).setZone(zone).toISODate() as string
}

export type DueTerms = Pick<Deadline, 'dueOn' | 'dueAtUtc' | 'computation'>

/** A computed deadline's due day, due instant and explanation, from its rule, trigger date and calendar. */
export function computeDue(
  rule: DeadlineRule,
  trigger: string,
  calendar: { jurisdiction: string; days: CourtDays },
  endOfDay: string,
  zone: string,
): DueTerms {
  const due = computeDueDay(rule, trigger, calendar.days)
  const computation: Computation = {
    from: trigger,
    period: rule.period,
    counting: rule.counting,
    direction: rule.direction,
    jurisdiction: calendar.jurisdiction,
    lastDayCounted: due.lastDayCounted,
    rolledTo: due.rolledTo,
    skipped: due.skipped,
  }
  return { dueOn: due.dueOn, dueAtUtc: dueInstant(due.dueOn, endOfDay, zone), computation }
}
