import { DateTime, IANAZone } from 'luxon'

export type ParsedHearingTime = { startsAt: string; allDay: boolean; startsAtUtc: string }
export type TimeProblem = { reason: 'format' | 'zone' | 'gap'; message: string }

const MINUTE_MS = 60_000
const DAY_MS = 86_400_000

/** How a hearing's time is written, in words (error messages never show a regular expression). */
export const LOCAL_TIME_EXAMPLE =
  'local time without offset, e.g. 2026-12-14T10:00, or a date alone (2026-12-14) when the time is not announced'
const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/
const CLOCK_TIME = /^(\d{2}):(\d{2})$/
// Whole numbers only: no years or months (their length varies), no fractions.
// The lookaheads reject an empty 'P' and a 'T' with nothing after it.
const DURATION = /^P(?!$)(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/

type Resolved = { ts: number; gap: boolean }

const HOUR_MS = 3_600_000
const hourOffsets = new Map<string, number>()

/**
 * A zone's UTC offset in minutes at an instant. Luxon asks Intl each time (several µs), and planning
 * asks a few times per reminder, so offsets are remembered per (zone, hour) — only for hours that start and
 * end on the same offset: the tz database never changes a zone's offset twice within one hour.
 */
function offsetAt(zone: IANAZone, ts: number): number {
  const hour = Math.floor(ts / HOUR_MS)
  const key = `${zone.name}|${hour}`
  const known = hourOffsets.get(key)
  if (known !== undefined) return known
  const offset = zone.offset(hour * HOUR_MS)
  if (offset !== zone.offset((hour + 1) * HOUR_MS - 1)) return zone.offset(ts)
  if (hourOffsets.size >= 200_000) hourOffsets.clear()
  hourOffsets.set(key, offset)
  return offset
}

/** A zone's UTC offset in minutes at an instant, remembered per hour (see offsetAt). */
export function zoneOffset(zone: string, ts: number): number {
  return offsetAt(IANAZone.create(zone), ts)
}

/** The instant a wall time (given as the milliseconds of the same fields read in UTC) in a zone stands for.
 * Overlap (clocks set back): the earlier instant. Gap (clocks set forward): the wall time read with the
 * offset from before the gap, i.e. pushed forward by the gap's length, flagged `gap`.
 * Luxon's own resolution is not usable here: it picks the later instant of an overlap
 * (2026-11-01T01:30 America/New_York gives 06:30Z). */
function resolveWall(wallMs: number, zone: IANAZone): Resolved {
  // Real offsets are under a day, and zones do not change offset twice within two days.
  const offsets = new Set([wallMs - DAY_MS, wallMs, wallMs + DAY_MS].map((ts) => offsetAt(zone, ts)))
  const candidates = [...offsets].map((offset) => ({ offset, ts: wallMs - offset * MINUTE_MS }))
  const valid = candidates.filter((c) => offsetAt(zone, c.ts) === c.offset).map((c) => c.ts)
  if (valid.length > 0) return { ts: Math.min(...valid), gap: false }
  return { ts: Math.max(...candidates.map((c) => c.ts)), gap: true }
}

function iso(ts: number): string {
  return new Date(ts).toISOString()
}

export function isTimeProblem(x: ParsedHearingTime | TimeProblem): x is TimeProblem {
  return 'reason' in x
}

const zoneValidity = new Map<string, boolean>()

export function isValidTimeZone(zone: string): boolean {
  // Newer Intl versions accept offset identifiers such as '+05:00'; these are not IANA zones.
  if (/^[+-]/.test(zone)) return false
  // Checking builds an Intl formatter: remember the answer (zones are few; the reconciler asks often).
  let valid = zoneValidity.get(zone)
  if (valid === undefined) {
    valid = IANAZone.isValidZone(zone)
    if (zoneValidity.size < 1000) zoneValidity.set(zone, valid)
  }
  return valid
}

/** The one wording for a zone that is not in the tz database, wherever a zone is given. */
export const unknownTimeZone = (zone: string) =>
  `unknown time zone "${zone}": expected an IANA zone name such as Asia/Almaty`

export function parseHearingTime(
  startsAt: string,
  timeZone: string,
  courtDayStart: string,
): ParsedHearingTime | TimeProblem {
  if (!isValidTimeZone(timeZone)) return { reason: 'zone', message: unknownTimeZone(timeZone) }
  const m = LOCAL_TIME.exec(startsAt)
  if (!m) {
    return {
      reason: 'format',
      message: `"${startsAt}" is not a ${LOCAL_TIME_EXAMPLE}`,
    }
  }
  const allDay = m[4] === undefined
  let hour = Number(m[4])
  let minute = Number(m[5])
  if (allDay) {
    const anchor = CLOCK_TIME.exec(courtDayStart)
    if (!anchor) throw new RangeError(`courtDayStart must be HH:mm, got '${courtDayStart}'`)
    hour = Number(anchor[1])
    minute = Number(anchor[2])
  }
  const wall = DateTime.fromObject(
    { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour, minute, second: Number(m[6] ?? 0) },
    { zone: 'utc' },
  )
  // Luxon takes hour 24 as midnight of the next day; a hearing time must not.
  if (!wall.isValid || hour > 23) {
    return { reason: 'format', message: `'${startsAt}' is not a real calendar date and time` }
  }

  const { ts, gap } = resolveWall(wall.toMillis(), IANAZone.create(timeZone))
  // The date of an all-day hearing exists even if the configured anchor falls in a gap: keep the pushed-forward time.
  if (gap && !allDay) {
    return {
      reason: 'gap',
      message: `${startsAt} does not exist in ${timeZone} (clocks are set forward then)`,
    }
  }
  return { startsAt, allDay, startsAtUtc: iso(ts) }
}

type DurationParts = { weeks: number; days: number; hours: number; minutes: number; seconds: number }

function durationParts(value: string): DurationParts | undefined {
  const m = DURATION.exec(value.toUpperCase())
  if (!m) return undefined
  const [weeks, days, hours, minutes, seconds] = m.slice(1).map((n) => Number(n ?? 0))
  return {
    weeks: weeks ?? 0,
    days: days ?? 0,
    hours: hours ?? 0,
    minutes: minutes ?? 0,
    seconds: seconds ?? 0,
  }
}

function boundSeconds(p: DurationParts): number {
  return (((p.weeks * 7 + p.days) * 24 + p.hours) * 60 + p.minutes) * 60 + p.seconds
}

/** The seconds in a duration of whole weeks, days, hours, minutes and seconds; undefined when it is not one. */
export function durationSeconds(value: string): number | undefined {
  const parts = durationParts(value)
  return parts && boundSeconds(parts)
}

export function parseRemindBefore(
  value: string,
): { ok: true; value: string } | { ok: false; message: string } {
  const parts = durationParts(value)
  if (!parts) {
    return {
      ok: false,
      message: `'${value}' is not an ISO 8601 duration of whole weeks, days, hours, minutes and seconds (e.g. P1D, PT2H)`,
    }
  }
  const seconds = boundSeconds(parts)
  if (seconds < 1 || seconds > 366 * 86_400) {
    return { ok: false, message: `'${value}' must be between PT1S and P366D` }
  }
  return { ok: true, value: value.toUpperCase() }
}

const storedDurations = new Map<string, DurationParts>()

/** The parts of a stored (valid) offset; remembered, as planning asks for the same few offsets very often. */
function mustParseDuration(value: string): DurationParts {
  let parts = storedDurations.get(value)
  if (parts === undefined) {
    parts = durationParts(value)
    if (!parts) throw new RangeError(`invalid remindBefore '${value}'`)
    if (storedDurations.size < 1000) storedDurations.set(value, parts)
  }
  return parts
}

export function reminderDueAt(startsAtUtc: string, timeZone: string, remindBefore: string): string {
  const p = mustParseDuration(remindBefore)
  const start = Date.parse(startsAtUtc)
  const zone = IANAZone.create(timeZone)
  if (Number.isNaN(start) || !zone.isValid)
    throw new RangeError(`invalid instant '${startsAtUtc}' or zone '${timeZone}'`)
  // Calendar part: the same wall time N days earlier (moved in UTC, which has no DST), then resolved in the zone
  // like a hearing time. Keeping the start's offset instead would pick the later instant of an overlap.
  const startWall = start + offsetAt(zone, start) * MINUTE_MS
  const { ts } = resolveWall(startWall - (p.weeks * 7 + p.days) * DAY_MS, zone)
  // Time part: exact elapsed time.
  const exactMs = ((p.hours * 60 + p.minutes) * 60 + p.seconds) * 1000
  return iso(ts - exactMs)
}

function offsetLabel(dt: DateTime): string {
  return dt.offset === 0 ? 'UTC' : `UTC${dt.toFormat('Z')}`
}

export function describeHearingTime(
  h: { startsAtUtc: string; allDay: boolean; startsAt: string; timeZone: string },
  inZone: string,
): string {
  // Locale 'en' makes luxon use its built-in English names instead of the machine's Intl data ('en-GB' would not);
  // the en-GB word order comes from the fixed format tokens.
  if (h.allDay) {
    // A date without a time has no instant to convert: it is the hearing's local date wherever the reader is.
    const date = DateTime.fromISO(h.startsAt.slice(0, 10), { zone: 'utc', locale: 'en' })
    return `${date.toFormat('cccc, d LLLL yyyy')} (time not yet announced)`
  }
  const dt = DateTime.fromISO(h.startsAtUtc, { zone: inZone, locale: 'en' })
  const clock = dt.second === 0 ? 'HH:mm' : 'HH:mm:ss'
  return `${dt.toFormat(`cccc, d LLLL yyyy, ${clock}`)} (${inZone}, ${offsetLabel(dt)})`
}

export function describeDuration(remindBefore: string): string {
  const p = mustParseDuration(remindBefore)
  const units: [number, string][] = [
    [p.weeks, 'week'],
    [p.days, 'day'],
    [p.hours, 'hour'],
    [p.minutes, 'minute'],
    [p.seconds, 'second'],
  ]
  const words = units.filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}${n === 1 ? '' : 's'}`)
  return words.length > 0 ? words.join(' ') : '0 seconds'
}
