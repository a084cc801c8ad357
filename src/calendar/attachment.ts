import type { EventRecord } from '../events/event.js'
import { type CalendarItem, deadlineCalendarItem, hearingCalendarItem } from './item.js'
import { renderCalendar } from './render.js'

/** An `event.ics` for an email: the item as its feeds show it (same UID and SEQUENCE), METHOD:PUBLISH. */
export type CalendarAttachment = { filename: string; content: string; contentType: string }

export function eventAttachment(item: CalendarItem, host: string): CalendarAttachment {
  return {
    filename: 'event.ics',
    content: renderCalendar([item], { host, method: 'PUBLISH' }),
    contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
  }
}

/** The attachment of a reminder or notice: the hearing or deadline as the event recorded it. */
export function calendarAttachment(event: EventRecord, host: string): CalendarAttachment | undefined {
  const { hearing, deadline, case: kase } = event.data
  if (!kase) return undefined
  if (deadline && event.type.startsWith('deadline.'))
    return eventAttachment(deadlineCalendarItem(deadline, kase), host)
  if (hearing && event.type.startsWith('hearing.'))
    return eventAttachment(hearingCalendarItem(hearing, kase), host)
  return undefined
}
