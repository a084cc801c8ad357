/**
 * Local dates (`YYYY-MM-DD`) with no time and no zone: the days courts count. Arithmetic runs on UTC
 * midnights, where every day has 24 hours, so it is exact whatever the court's zone.
 */
export type LocalDate = string

const DAY_MS = 86_400_000
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

export function isLocalDate(text: string): boolean {
  const m = DATE.exec(text)
  if (!m) return false
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  return toLocalDate(ms) === text
}

const toMs = (date: LocalDate) => Date.parse(`${date}T00:00:00Z`)
const toLocalDate = (ms: number): LocalDate => new Date(ms).toISOString().slice(0, 10)

export const addDays = (date: LocalDate, days: number): LocalDate => toLocalDate(toMs(date) + days * DAY_MS)

/** The same day of the month `months` later (or earlier); where the target month is shorter, its last day. */
export function addMonths(date: LocalDate, months: number): LocalDate {
  const d = new Date(toMs(date))
  const monthIndex = d.getUTCFullYear() * 12 + d.getUTCMonth() + months
  const year = Math.floor(monthIndex / 12)
  const month = monthIndex - year * 12
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  return toLocalDate(Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay)))
}

/** 0 = Sunday … 6 = Saturday. */
export const weekday = (date: LocalDate) => new Date(toMs(date)).getUTCDay()

/** Days from `a` to `b` (negative when b is earlier). */
export const daysBetween = (a: LocalDate, b: LocalDate) => Math.round((toMs(b) - toMs(a)) / DAY_MS)
