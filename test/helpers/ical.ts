import ICAL from 'ical.js'
import nodeIcal, { type VEvent } from 'node-ical'

/** One VEVENT as a reader sees it: the same fields whichever parser read them. */
export type ReadEvent = {
  uid: string
  sequence: number
  /** An instant (ms since the epoch) for a timed event, the date for an all-day one. */
  start: number | string
  allDay: boolean
  /** The zone of DTSTART's TZID, null for dates. */
  zone: string | null
  /** End minus start, in ms (timed events). */
  durationMs: number | null
  summary: string
  description: string
  location: string | null
  status: string
}

/** Reads an iCalendar text with ical.js, using only the VTIMEZONEs the text itself carries. */
export function readWithIcalJs(text: string): { events: ReadEvent[]; calendar: ICAL.Component } {
  const calendar = new ICAL.Component(ICAL.parse(text))
  const zones = new Map<string, ICAL.Timezone>()
  for (const vtz of calendar.getAllSubcomponents('vtimezone')) {
    const tz = new ICAL.Timezone(vtz)
    zones.set(tz.tzid, tz)
  }
  const events = calendar.getAllSubcomponents('vevent').map((vevent) => {
    const event = new ICAL.Event(vevent)
    const startProp = vevent.getFirstProperty('dtstart')
    const tzid = startProp?.getParameter('tzid')
    const zoneName = typeof tzid === 'string' ? tzid : null
    const zone = zoneName ? zones.get(zoneName) : undefined
    if (zoneName && !zone) throw new Error(`no VTIMEZONE for ${zoneName}`)
    const instant = (t: ICAL.Time) => {
      const copy = t.clone()
      if (zone) copy.zone = zone
      return copy.toUnixTime() * 1000
    }
    const allDay = event.startDate.isDate
    return {
      uid: event.uid,
      sequence: event.sequence,
      start: allDay ? event.startDate.toString() : instant(event.startDate),
      allDay,
      zone: zoneName,
      durationMs: allDay ? null : instant(event.endDate) - instant(event.startDate),
      summary: event.summary,
      description: event.description,
      location: event.location ?? null,
      status: String(vevent.getFirstPropertyValue('status')),
    }
  })
  return { events, calendar }
}

/** Reads an iCalendar text with node-ical (its zones come from the runtime's tz database). */
export function readWithNodeIcal(text: string): ReadEvent[] {
  const data = nodeIcal.sync.parseICS(text)
  return Object.values(data)
    .filter((c): c is VEvent => c?.type === 'VEVENT')
    .map((e) => {
      const allDay = e.datetype === 'date'
      const start = e.start as Date & { tz?: string }
      return {
        uid: e.uid,
        sequence: Number(e.sequence),
        start: allDay ? localDate(start) : start.getTime(),
        allDay,
        zone: allDay ? null : (start.tz ?? null),
        durationMs: allDay || !e.end ? null : e.end.getTime() - start.getTime(),
        summary: textOf(e.summary),
        description: textOf(e.description),
        location: e.location ? textOf(e.location) : null,
        status: String(e.status),
      }
    })
}

/** Both parsers must read the same events; the one reading is returned for the test to check. */
export function readCalendar(text: string): ReadEvent[] {
  const byIcalJs = readWithIcalJs(text).events
  const byNodeIcal = readWithNodeIcal(text)
  const order = (list: ReadEvent[]) => [...list].sort((a, b) => a.uid.localeCompare(b.uid))
  const a = order(byIcalJs)
  const b = order(byNodeIcal)
  if (JSON.stringify(a) !== JSON.stringify(b))
    throw new Error(`the parsers disagree:\nical.js:   ${JSON.stringify(a)}\nnode-ical: ${JSON.stringify(b)}`)
  return a
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value
  if (value && typeof value === 'object' && 'val' in value) return String((value as { val: unknown }).val)
  return String(value ?? '')
}

/** node-ical gives a date as local midnight of the process's zone. */
function localDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}
