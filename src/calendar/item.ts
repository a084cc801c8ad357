import type { Case } from '../cases/case.schema.js'
import { DEFAULT_HEARING_DURATION, type Hearing } from '../hearings/hearing.schema.js'

/**
 * What a calendar shows of a dated item, whatever its kind: hearings and deadlines both map onto it, and
 * one renderer turns it into a VEVENT. Text here is plain; escaping belongs to the renderer.
 */
export type CalendarItem = {
  /** The item's id; the UID is `<id>@<host>` for the item's whole life. */
  id: string
  /** SEQUENCE: bumped whenever the item's time or status changes. */
  version: number
  summary: string
  description: string
  status: 'confirmed' | 'cancelled'
  /** A day (all-day hearings, deadlines), or an instant shown as wall time in its zone. */
  start: { date: string } | { at: string; zone: string }
  /** ISO 8601, for timed items. */
  duration?: string
  location?: string
  /** When it was cancelled: feeds keep a cancelled item 30 days from then, so calendars remove it. */
  cancelledAt?: string
  createdAt: string
  updatedAt: string
}

/**
 * A deadline as the deadlines feature stores it (API.md "Deadlines"): only the fields a calendar needs.
 * Declared here so the calendar does not wait for that feature; its records fit this shape.
 */
export type DeadlineLike = {
  id: string
  caseId: string
  title: string
  notes: string | null
  dueOn: string
  endOfDay: string
  dueAtUtc: string
  timeZone: string
  status: 'open' | 'met' | 'cancelled'
  version: number
  trigger: { date: string; hearingId: string | null } | null
  ruleId: string | null
  createdAt?: string
  updatedAt: string
}

export function hearingCalendarItem(hearing: Hearing, kase: Case): CalendarItem {
  const cancelled = hearing.status === 'cancelled'
  const lines = [
    ...caseLines(kase),
    hearing.allDay ? 'Time: not yet announced' : '',
    hearing.status === 'decided' && hearing.outcome ? `Decision: ${hearing.outcome.summary}` : '',
    cancelled ? `Cancelled${hearing.cancelReason ? `: ${hearing.cancelReason}` : ''}` : '',
    hearing.notes ? `Notes: ${hearing.notes}` : '',
  ]
  return {
    id: hearing.id,
    version: hearing.version,
    summary: plain(hearing.title),
    description: plain(lines.filter((l) => l !== '').join('\n')),
    status: cancelled ? 'cancelled' : 'confirmed',
    start: hearing.allDay
      ? { date: hearing.startsAt.slice(0, 10) }
      : { at: hearing.startsAtUtc, zone: hearing.timeZone },
    ...(hearing.allDay ? {} : { duration: hearing.duration ?? DEFAULT_HEARING_DURATION }),
    ...(hearing.location ? { location: plain(hearing.location) } : {}),
    // A hearing records no moment of cancellation; after it nothing but its texts can change.
    ...(cancelled ? { cancelledAt: hearing.updatedAt } : {}),
    createdAt: hearing.createdAt,
    updatedAt: hearing.updatedAt,
  }
}

/** A deadline is a day in the calendar (DTSTART;VALUE=DATE of dueOn); its hour is in the description. */
export function deadlineCalendarItem(deadline: DeadlineLike, kase: Case): CalendarItem {
  const cancelled = deadline.status === 'cancelled'
  const lines = [
    ...caseLines(kase),
    `Due: ${deadline.dueOn} ${deadline.endOfDay.slice(0, 5)} (${deadline.timeZone})`,
    deadline.status === 'met' ? 'Status: met' : '',
    cancelled ? 'Status: cancelled' : '',
    deadline.notes ? `Notes: ${deadline.notes}` : '',
  ]
  return {
    id: deadline.id,
    version: deadline.version,
    summary: plain(`Deadline: ${deadline.title}`),
    description: plain(lines.filter((l) => l !== '').join('\n')),
    status: cancelled ? 'cancelled' : 'confirmed',
    start: { date: deadline.dueOn },
    // A met or cancelled deadline takes no further changes, so its last update is its cancellation.
    ...(cancelled ? { cancelledAt: deadline.updatedAt } : {}),
    createdAt: deadline.createdAt ?? deadline.updatedAt,
    updatedAt: deadline.updatedAt,
  }
}

function caseLines(kase: Case): string[] {
  return [`Case: ${kase.title}${kase.caseNumber ? ` (No. ${kase.caseNumber})` : ''}`, `Court: ${kase.court}`]
}

/** iCalendar TEXT may hold no control characters but line breaks and tabs (RFC 5545 §3.3.11). */
function plain(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return text.replace(/\r\n?/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, ' ')
}
