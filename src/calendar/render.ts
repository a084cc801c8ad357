import ical, { ICalCalendarMethod, type ICalEventData, ICalEventStatus } from 'ical-generator'
import { DateTime, Duration } from 'luxon'
import type { CalendarItem } from './item.js'
import { vtimezone } from './vtimezone.js'
import { RememberedZone } from './zone.js'

export type CalendarOptions = {
  /** The hostname of PUBLIC_BASE_URL, without port: UIDs are `<item id>@<host>`. */
  host: string
  /** Shown by calendar apps as the calendar's name (X-WR-CALNAME). */
  name?: string
  /** Feeds say how often to refresh (REFRESH-INTERVAL, X-PUBLISHED-TTL); attachments do not. */
  refreshSeconds?: number
  /** METHOD:PUBLISH for an email attachment; feeds carry no METHOD. */
  method?: 'PUBLISH'
}

const END = 'END:VCALENDAR'
/** VEVENT texts already written, by item and host: feeds are polled, and most items have not changed. */
const written = new Map<string, string>()
const WRITTEN_MAX = 20_000

/**
 * An iCalendar object (RFC 5545) of the items: ical-generator writes the calendar's properties and each
 * VEVENT (escaping, dates, TZID), vtimezone.ts the VTIMEZONE of each zone used. The parts are joined and
 * folded here: ical-generator folds a whole calendar with a TextEncoder per character, which alone took
 * most of a second for 1,000 events, where one pass over the char codes takes milliseconds.
 */
export function renderCalendar(items: readonly CalendarItem[], opts: CalendarOptions): string {
  const calendar = ical({
    prodId: '//courtbell//courtbell calendar//EN',
    ...(opts.name ? { name: opts.name } : {}),
    ...(opts.refreshSeconds ? { ttl: opts.refreshSeconds } : {}),
    ...(opts.method ? { method: ICalCalendarMethod.PUBLISH } : {}),
  })
  const head = calendar.toString()
  let body = foldLines(timezonesOf(items))
  for (const item of items) {
    // The text depends on nothing but the item and the host, so the item itself is the key.
    const key = `${opts.host} ${JSON.stringify(item)}`
    let event = written.get(key)
    if (event === undefined) {
      event = foldLines(calendar.createEvent(eventData(item, opts.host)).toString())
      if (written.size >= WRITTEN_MAX) written.clear()
      written.set(key, event)
    }
    body += event
  }
  return `${head.slice(0, head.lastIndexOf(END))}${body}${END}\r\n`
}

function eventData(item: CalendarItem, host: string): ICalEventData {
  const common = {
    id: `${item.id}@${host}`,
    sequence: item.version,
    // Deterministic, so an unchanged feed keeps its ETag: the moment the item was last revised.
    stamp: new Date(item.updatedAt),
    created: new Date(item.createdAt),
    lastModified: new Date(item.updatedAt),
    summary: item.summary,
    description: item.description,
    location: item.location ?? null,
    status: item.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  }
  if ('date' in item.start) {
    // With neither a zone nor floating, ical-generator writes a Date's UTC fields: midnight UTC is the day itself.
    return { ...common, allDay: true, start: new Date(`${item.start.date}T00:00:00Z`) }
  }
  const start = DateTime.fromMillis(Date.parse(item.start.at), { zone: RememberedZone.of(item.start.zone) })
  // Time units are exact in luxon: the end is the duration after the start, across any change of offset.
  const end = start.plus(durationOf(item.duration ?? 'PT1H'))
  return { ...common, start, end, timezone: item.start.zone }
}

const durations = new Map<string, Duration>()
/** Hearings use a handful of durations: each is parsed once. */
function durationOf(iso: string): Duration {
  let parsed = durations.get(iso)
  if (parsed === undefined) {
    parsed = Duration.fromISO(iso)
    if (durations.size < 1000) durations.set(iso, parsed)
  }
  return parsed
}

/** A VTIMEZONE per zone of the timed items, covering their years and one on each side. */
function timezonesOf(items: readonly CalendarItem[]): string {
  const years = new Map<string, { from: number; to: number }>()
  for (const item of items) {
    if (!('zone' in item.start)) continue
    const year = new Date(item.start.at).getUTCFullYear()
    const known = years.get(item.start.zone)
    years.set(item.start.zone, {
      from: Math.min(known?.from ?? year, year - 1),
      to: Math.max(known?.to ?? year, year + 1),
    })
  }
  return [...years].map(([zone, span]) => vtimezone(zone, span.from, span.to)).join('')
}

/**
 * RFC 5545 §3.1: content lines of at most 75 octets, continued on the next line after CRLF and a space,
 * never inside a UTF-8 character (nor between the halves of a surrogate pair).
 */
export function foldLines(text: string): string {
  let out = ''
  for (const line of text.split('\r\n')) {
    if (line === '') continue
    if (line.length <= 25 || Buffer.byteLength(line) <= 75) {
      out += `${line}\r\n`
      continue
    }
    let from = 0
    let octets = 0
    let limit = 75
    for (let i = 0; i < line.length; i++) {
      const code = line.charCodeAt(i)
      // A high surrogate counts the whole 4-octet character; its low half then counts nothing.
      const width =
        code < 0x80
          ? 1
          : code < 0x800
            ? 2
            : code >= 0xdc00 && code <= 0xdfff
              ? 0
              : code >= 0xd800 && code <= 0xdbff
                ? 4
                : 3
      if (width > 0 && octets + width > limit) {
        out += `${line.slice(from, i)}\r\n `
        from = i
        octets = 0
        limit = 74
      }
      octets += width
    }
    out += `${line.slice(from)}\r\n`
  }
  return out
}
