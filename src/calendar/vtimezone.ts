import { IANAZone } from 'luxon'

/**
 * VTIMEZONE components from the runtime's own tz database (Intl, through luxon), for the years a calendar
 * needs. Packaged VTIMEZONE data lags the tz database: @touch4it/ical-timezones 1.9 (tzdata 2018g) still
 * has Asia/Almaty at UTC+6, which Kazakhstan left for UTC+5 on 2024-03-01. Reading the offsets the process
 * itself uses keeps calendars and reminders on the same rules.
 */

// Zones change offset at most a few times a year and never twice within a week and back.
const STEP_MS = 7 * 86_400_000
const MINUTE_MS = 60_000

type Transition = { at: number; from: number; to: number }

const built = new Map<string, string>()

/** The VTIMEZONE of `zone` with every offset change from 1 January `fromYear` to the end of `toYear`. */
export function vtimezone(zone: string, fromYear: number, toYear: number): string {
  const key = `${zone}|${fromYear}|${toYear}`
  let text = built.get(key)
  if (text === undefined) {
    text = build(zone, fromYear, toYear)
    if (built.size >= 1000) built.clear()
    built.set(key, text)
  }
  return text
}

function build(zoneName: string, fromYear: number, toYear: number): string {
  const zone = IANAZone.create(zoneName)
  if (!zone.isValid) throw new RangeError(`unknown time zone '${zoneName}'`)
  const offset = (ts: number) => zone.offset(ts)
  const start = Date.UTC(fromYear, 0, 1)
  const end = Date.UTC(toYear + 1, 0, 1)
  // The offset in force when the window opens, then every change within it.
  const transitions: Transition[] = [{ at: start, from: offset(start), to: offset(start) }]
  let t = start
  let current = offset(t)
  while (t < end) {
    const next = Math.min(t + STEP_MS, end)
    const after = offset(next)
    if (after !== current) transitions.push({ at: firstChange(offset, t, next), from: current, to: after })
    t = next
    current = after
  }
  // One observance per change, no RDATE lists: ical.js, for one, reads only the first date of an RDATE and
  // skips DTSTART when RDATEs are present.
  const lines = ['BEGIN:VTIMEZONE', `TZID:${zoneName}`]
  for (const tr of transitions) {
    const kind = isDaylight(offset, tr) ? 'DAYLIGHT' : 'STANDARD'
    lines.push(
      `BEGIN:${kind}`,
      // DTSTART of an observance is a local time on the clock in force before it (RFC 5545 §3.6.5).
      `DTSTART:${localStamp(tr.at + tr.from * MINUTE_MS)}`,
      `TZOFFSETFROM:${utcOffset(tr.from)}`,
      `TZOFFSETTO:${utcOffset(tr.to)}`,
      `END:${kind}`,
    )
  }
  lines.push('END:VTIMEZONE')
  return `${lines.join('\r\n')}\r\n`
}

/** The first millisecond in (before, after] whose offset differs from the one at `before`. */
function firstChange(offset: (ts: number) => number, before: number, after: number): number {
  const was = offset(before)
  let lo = before
  let hi = after
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2)
    if (offset(mid) === was) lo = mid
    else hi = mid
  }
  return hi
}

/**
 * Summer time: the year swings away from its standard offset and back (January's offset is the next
 * January's too) and this observance is the larger offset. A lasting change of offset, as in Almaty in
 * 2024, is a new standard time.
 */
function isDaylight(offset: (ts: number) => number, tr: Transition): boolean {
  const year = new Date(tr.at).getUTCFullYear()
  const january = offset(Date.UTC(year, 0, 1))
  const july = offset(Date.UTC(year, 6, 1))
  if (january === july || january !== offset(Date.UTC(year + 1, 0, 1))) return false
  return tr.to > Math.min(january, july)
}

function localStamp(wallMs: number): string {
  return new Date(wallMs).toISOString().slice(0, 19).replace(/[-:]/g, '')
}

function utcOffset(minutes: number): string {
  const abs = Math.abs(minutes)
  const hh = String(Math.floor(abs / 60)).padStart(2, '0')
  const mm = String(abs % 60).padStart(2, '0')
  return `${minutes < 0 ? '-' : '+'}${hh}${mm}`
}
