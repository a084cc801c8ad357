import { type LocalDate, weekday } from './dates.js'
import { publicHolidays } from './holidays.js'

/** Whether courts of a jurisdiction sit on a date, and if not (or if staff said so) why. */
export type DayStatus = { open: boolean; reason: string | null }
/** A staff decision for one date: a closure (snow, a strike, a day off moved by decree) or an extra open day. */
export type Override = { open: boolean; reason: string }
/** A jurisdiction's court calendar with its overrides as read once: a pure function of the date. */
export type CourtDays = (date: LocalDate) => DayStatus

const WEEKEND: Record<number, string> = { 0: 'Sunday', 6: 'Saturday' }

/** The date's status before any override: weekends and public holidays are closed. */
export function defaultDay(jurisdiction: string, date: LocalDate): DayStatus {
  const holiday = publicHolidays(jurisdiction, Number(date.slice(0, 4))).get(date)
  if (holiday !== undefined) return { open: false, reason: holiday }
  const weekend = WEEKEND[weekday(date)]
  return weekend === undefined ? { open: true, reason: null } : { open: false, reason: weekend }
}

/** The court calendar of a jurisdiction, given the overrides that apply to it. */
export function courtCalendar(
  jurisdiction: string,
  overrides: ReadonlyMap<LocalDate, Override> = new Map(),
): CourtDays {
  return (date) => overrides.get(date) ?? defaultDay(jurisdiction, date)
}

export function isCourtDay(
  jurisdiction: string,
  date: LocalDate,
  overrides: ReadonlyMap<LocalDate, Override> = new Map(),
): boolean {
  return courtCalendar(jurisdiction, overrides)(date).open
}
