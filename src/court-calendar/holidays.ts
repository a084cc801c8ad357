import Holidays from 'date-holidays'
import type { LocalDate } from './dates.js'

/** ISO 3166-1 alpha-2 (`KZ`) or ISO 3166-2 (`US-NY`). */
export const JURISDICTION_PATTERN = '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'

const catalogue = new Holidays()
const countries = new Set(Object.keys(catalogue.getCountries('en')))

export function splitJurisdiction(jurisdiction: string): {
  country: string
  subdivision: string | undefined
} {
  const [country = '', subdivision] = jurisdiction.split('-')
  return { country, subdivision }
}

/** Whether the holiday data set knows this country, or this subdivision of a country it knows. */
export function isKnownJurisdiction(jurisdiction: string): boolean {
  if (!new RegExp(JURISDICTION_PATTERN).test(jurisdiction)) return false
  const { country, subdivision } = splitJurisdiction(jurisdiction)
  if (!countries.has(country)) return false
  return subdivision === undefined || subdivision in (catalogue.getStates(country, 'en') ?? {})
}

const byYear = new Map<string, ReadonlyMap<LocalDate, string>>()

/**
 * The public holidays (observed and substitute days included) of a jurisdiction in a year, date → English
 * name; for a subdivision, its country's as well. Pure data, so computed once per (jurisdiction, year).
 */
export function publicHolidays(jurisdiction: string, year: number): ReadonlyMap<LocalDate, string> {
  const key = `${jurisdiction}|${year}`
  let days = byYear.get(key)
  if (days === undefined) {
    const { country, subdivision } = splitJurisdiction(jurisdiction)
    const found = new Map<LocalDate, string>()
    const sources = subdivision === undefined ? [[country]] : [[country], [country, subdivision]]
    for (const [c, s] of sources) {
      const data = s === undefined ? new Holidays(c as string) : new Holidays(c as string, s)
      data.setLanguages('en')
      for (const h of data.getHolidays(year)) {
        if (h.type !== 'public') continue
        const date = h.date.slice(0, 10)
        // Where a day is both a holiday and another's substitute, the holiday's own name reads better.
        if (!found.has(date) || !h.substitute) found.set(date, h.name)
      }
    }
    days = found
    if (byYear.size > 2000) byYear.clear()
    byYear.set(key, days)
  }
  return days
}
