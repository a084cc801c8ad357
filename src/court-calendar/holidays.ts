import { createRequire } from 'node:module'
import type HolidaysClass from 'date-holidays'
import type { LocalDate } from './dates.js'

/** ISO 3166-1 alpha-2 (`KZ`) or ISO 3166-2 (`US-NY`). */
export const JURISDICTION_PATTERN = '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'

/**
 * The holiday data set (every country's rules) takes a second to load on a busy machine: loaded on first
 * use, not when a process starts, so a worker that never counts a court day never pays for it.
 */
let loaded: { Holidays: typeof HolidaysClass; catalogue: HolidaysClass; countries: Set<string> } | undefined
function data() {
  if (!loaded) {
    const Holidays = createRequire(import.meta.url)('date-holidays') as typeof HolidaysClass
    const catalogue = new Holidays()
    loaded = { Holidays, catalogue, countries: new Set(Object.keys(catalogue.getCountries('en'))) }
  }
  return loaded
}

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
  const { countries, catalogue } = data()
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
    const { Holidays } = data()
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
