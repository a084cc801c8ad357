import { badRequest, notFound } from '../platform/errors.js'
import type { CourtDay, DayOverride } from './calendar.schema.js'
import { type CourtDays, courtCalendar, defaultDay } from './court-days.js'
import { addDays, daysBetween, isLocalDate, type LocalDate } from './dates.js'
import { isKnownJurisdiction } from './holidays.js'
import type { OverrideStore } from './override.store.js'

const MAX_DAYS = 366

/** Told when an override changed whether a date is a court day (deadlines counted over it must be recomputed). */
export type DayChanged = (change: { jurisdiction: string; date: LocalDate }) => Promise<void>

export function mustBeLocalDate(text: string, path: string): LocalDate {
  if (!isLocalDate(text))
    throw badRequest(`${text} is not a calendar date`, [{ path, message: 'not a date' }])
  return text
}

/** Court calendars: the holiday data set and weekends, with staff overrides on top. */
export function createCourtCalendars({ overrides }: { overrides: OverrideStore }) {
  const listeners: DayChanged[] = []

  function mustBeKnown(jurisdiction: string) {
    if (!isKnownJurisdiction(jurisdiction)) throw notFound('Court calendar', jurisdiction)
  }

  /** Whether an override changed a date's status for this jurisdiction: then deadlines are recomputed. */
  async function changing(jurisdiction: string, date: LocalDate, write: () => Promise<unknown>) {
    const before = courtCalendar(jurisdiction, await overrides.forJurisdiction(jurisdiction))(date)
    await write()
    const after = courtCalendar(jurisdiction, await overrides.forJurisdiction(jurisdiction))(date)
    if (before.open !== after.open) for (const listener of listeners) await listener({ jurisdiction, date })
    return after
  }

  return {
    isKnown: isKnownJurisdiction,

    /** The jurisdiction's calendar with its overrides read now, once: what one computation counts on. */
    async calendarFor(jurisdiction: string): Promise<CourtDays> {
      return courtCalendar(jurisdiction, await overrides.forJurisdiction(jurisdiction))
    },

    async days(jurisdiction: string, from: string, to: string): Promise<CourtDay[]> {
      mustBeKnown(jurisdiction)
      mustBeLocalDate(from, '/from')
      mustBeLocalDate(to, '/to')
      const count = daysBetween(from, to) + 1
      if (count < 1) throw badRequest('to is before from', [{ path: '/to', message: 'before from' }])
      if (count > MAX_DAYS)
        throw badRequest(`at most ${MAX_DAYS} dates at once`, [{ path: '/to', message: 'range too long' }])
      const calendar = courtCalendar(jurisdiction, await overrides.forJurisdiction(jurisdiction))
      return Array.from({ length: count }, (_, i) => {
        const date = addDays(from, i)
        return { date, ...calendar(date) }
      })
    },

    async setDay(jurisdiction: string, date: string, override: DayOverride): Promise<CourtDay> {
      mustBeKnown(jurisdiction)
      mustBeLocalDate(date, '/date')
      const after = await changing(jurisdiction, date, () => overrides.set(jurisdiction, date, override))
      return { date, ...after }
    },

    async resetDay(jurisdiction: string, date: string): Promise<void> {
      mustBeKnown(jurisdiction)
      mustBeLocalDate(date, '/date')
      await changing(jurisdiction, date, () => overrides.remove(jurisdiction, date))
    },

    /** The date as the holiday data set has it, without overrides. */
    defaultDay,

    onDayChanged(listener: DayChanged) {
      listeners.push(listener)
    },
  }
}
export type CourtCalendars = ReturnType<typeof createCourtCalendars>
