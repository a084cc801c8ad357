import { DateTime } from 'luxon'

/** When digests go out and what they cover: pure functions of (frequency, zone, hour, instant). */

export type DigestFrequency = 'daily' | 'weekly'

/** How far ahead a digest looks, in calendar days of the reader's zone. */
export const WINDOW_DAYS: Record<DigestFrequency, number> = { daily: 7, weekly: 14 }
const STEP_DAYS: Record<DigestFrequency, number> = { daily: 1, weekly: 7 }

/**
 * A digest whose moment passed without it going out (workers down, the queue lost) is still sent this long
 * after; later, the next one is on its way and a stale one would only repeat it.
 */
export const LATE_GRACE_MS = 12 * 3_600_000

export type DigestPeriod = {
  frequency: DigestFrequency
  /** The local date of the digest moment in the reader's zone: with the address, names the digest. */
  period: string
  /** When it goes out (UTC). */
  moment: string
  /** It lists what falls in [moment, windowEnd). */
  windowEnd: string
  /** The moment of the digest before it: changes since then are marked. */
  previousMoment: string
}

const [hourOf, minuteOf] = [
  (hhmm: string) => Number(hhmm.slice(0, 2)),
  (hhmm: string) => Number(hhmm.slice(3, 5)),
]

/** The digest moment on a local date; a wall time skipped by a DST change moves forward, as luxon resolves it. */
function momentOn(date: DateTime, hhmm: string): DateTime {
  return date.set({ hour: hourOf(hhmm), minute: minuteOf(hhmm), second: 0, millisecond: 0 })
}

function periodAt(frequency: DigestFrequency, moment: DateTime): DigestPeriod {
  const step = STEP_DAYS[frequency]
  return {
    frequency,
    period: moment.toISODate() as string,
    moment: moment.toUTC().toISO() as string,
    windowEnd: moment.plus({ days: WINDOW_DAYS[frequency] }).toUTC().toISO() as string,
    previousMoment: moment.minus({ days: step }).toUTC().toISO() as string,
  }
}

/** The period of a digest whose moment is known (a job carries it): its window and the one before. */
export const periodOf = (frequency: DigestFrequency, zone: string, momentIso: string) =>
  periodAt(frequency, DateTime.fromISO(momentIso, { zone }))

/** Is this local date a digest day (every day; Mondays for weekly)? */
const isDigestDay = (frequency: DigestFrequency, date: DateTime) =>
  frequency === 'daily' || date.weekday === 1

/** The first digest moment strictly after `now`. */
export function nextDigest(
  frequency: DigestFrequency,
  zone: string,
  hhmm: string,
  now: number,
): DigestPeriod {
  let day = DateTime.fromMillis(now, { zone }).startOf('day')
  for (let i = 0; i < 9; i++, day = day.plus({ days: 1 })) {
    const moment = momentOn(day, hhmm)
    if (isDigestDay(frequency, day) && moment.toMillis() > now) return periodAt(frequency, moment)
  }
  throw new RangeError(`no digest moment within 9 days in ${zone}`)
}

/** The last digest moment at or before `now`. */
export function latestDigest(
  frequency: DigestFrequency,
  zone: string,
  hhmm: string,
  now: number,
): DigestPeriod {
  let day = DateTime.fromMillis(now, { zone }).startOf('day')
  for (let i = 0; i < 9; i++, day = day.minus({ days: 1 })) {
    const moment = momentOn(day, hhmm)
    if (isDigestDay(frequency, day) && moment.toMillis() <= now) return periodAt(frequency, moment)
  }
  throw new RangeError(`no digest moment within 9 days in ${zone}`)
}

/**
 * The digests to have planned at `now`: the next one, and the latest one while it may still go out late.
 * Planning both every pass is what makes a lost queue cost no digest.
 */
export function digestsToPlan(
  frequency: DigestFrequency,
  zone: string,
  hhmm: string,
  now: number,
): { late: DigestPeriod | undefined; next: DigestPeriod } {
  const latest = latestDigest(frequency, zone, hhmm, now)
  const late = now - Date.parse(latest.moment) <= LATE_GRACE_MS ? latest : undefined
  return { late, next: nextDigest(frequency, zone, hhmm, now) }
}
