import type { Case } from '../cases/case.schema.js'
import type { Deadline } from '../deadlines/deadline.schema.js'
import type { DigestSnapshot } from '../digests/digest.schema.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import { newId } from '../platform/ids.js'

export const WEBHOOK_EVENT_TYPES = [
  'hearing.scheduled',
  'hearing.rescheduled',
  'hearing.cancelled',
  'hearing.decided',
  'hearing.reminder',
  'deadline.created',
  'deadline.rescheduled',
  'deadline.cancelled',
  'deadline.met',
  'deadline.reminder',
  'webhook.test',
] as const
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]
/**
 * Internal only: a double opt-in email, the welcome a person subscribed by staff gets, and a digest travel the
 * same delivery pipeline but never reach a webhook.
 */
export type EventType = WebhookEventType | 'subscription.confirmation' | 'subscription.welcome' | 'digest'

export type PreviousTime = { startsAt: string; timeZone: string; startsAtUtc: string; allDay: boolean }

/** What a deadline's due moment was before it moved. */
export type PreviousDue = { dueOn: string; dueAtUtc: string }

export type EventData = {
  /** Absent on a deadline's events (their body is { deadline, case, … }). */
  hearing?: Hearing | null
  deadline?: Deadline
  case: Case | null
  reminder?: { remindBefore: string; dueAt: string }
  previous?: PreviousTime | PreviousDue
  endpointId?: string
  subscriptionId?: string
  digest?: DigestSnapshot
}

/** An event as recorded: the snapshot every recipient gets, so a redelivery sends the same body. */
export type EventRecord = {
  id: string
  type: EventType
  timestamp: string
  hearingId: string | null
  caseId: string | null
  /** A reminder's: the moment of what it reminds of, after which it is never sent (internal, not in webhooks). */
  expiresAt?: string
  data: EventData
}

export const newEventId = () => newId('evt')

export function hearingEvent(
  type: Exclude<WebhookEventType, 'webhook.test' | 'hearing.reminder'>,
  hearing: Hearing,
  kase: Case,
  previous?: PreviousTime,
): EventRecord {
  return {
    id: newId('evt'),
    type,
    timestamp: new Date().toISOString(),
    hearingId: hearing.id,
    caseId: kase.id,
    data: { hearing, case: kase, ...(previous ? { previous } : {}) },
  }
}

/** The JSON body a webhook receives (API.md): type, timestamp, data. */
export function webhookBody(event: EventRecord): string {
  const { endpointId: _e, subscriptionId: _s, ...data } = event.data
  return JSON.stringify({ type: event.type, timestamp: event.timestamp, data })
}
