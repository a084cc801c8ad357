import { Type } from '@sinclair/typebox'
import { Case } from '../cases/case.schema.js'
import { Deadline } from '../deadlines/deadline.schema.js'
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../events/event.js'
import { Hearing } from '../hearings/hearing.schema.js'
import { Instant, Nullable, StringEnum } from '../http/schema.js'

/** What a receiver gets (src/events/event.ts webhookBody), for the OpenAPI document's `webhooks`. */
export const WebhookEvent = Type.Object(
  {
    type: StringEnum(WEBHOOK_EVENT_TYPES),
    timestamp: Instant,
    data: Type.Object({
      hearing: Type.Optional(Nullable(Hearing)),
      deadline: Type.Optional(Deadline),
      case: Nullable(Case),
      reminder: Type.Optional(
        Type.Object(
          {
            remindBefore: Type.String({
              description: 'ISO 8601 duration before the hearing or the deadline, e.g. P1D',
            }),
            dueAt: Instant,
          },
          { description: 'hearing.reminder and deadline.reminder only' },
        ),
      ),
      previous: Type.Optional(
        Type.Union([
          Type.Object(
            {
              startsAt: Type.String(),
              timeZone: Type.String(),
              startsAtUtc: Instant,
              allDay: Type.Boolean(),
            },
            { description: 'hearing.rescheduled: the time before the change' },
          ),
          Type.Object(
            { dueOn: Type.String({ format: 'date' }), dueAtUtc: Instant },
            { description: 'deadline.rescheduled: the due day and moment before the change' },
          ),
        ]),
      ),
    }),
  },
  { title: 'WebhookEvent', description: 'The JSON body of every webhook request' },
)

const WHEN: Record<WebhookEventType, string> = {
  'hearing.scheduled': 'A hearing was created on a case the endpoint follows.',
  'hearing.rescheduled': 'A hearing moved; `data.previous` holds the time it had before.',
  'hearing.cancelled': 'A hearing was cancelled; no reminder for it fires afterwards.',
  'hearing.decided': 'Staff recorded the outcome (`data.hearing.outcome`).',
  'hearing.reminder': "A reminder came due at one of the endpoint's remindBefore offsets (`data.reminder`).",
  'deadline.created':
    "A deadline was registered on a case the endpoint follows, given or computed (`data.deadline.computation` explains it); also when a decided hearing starts one of the case's deadline rules.",
  'deadline.rescheduled':
    'A deadline moved (a new due day, a court-calendar override, a rule or its trigger hearing changed); `data.previous` holds the due day and moment before.',
  'deadline.cancelled': 'A deadline was cancelled; no reminder for it fires afterwards.',
  'deadline.met': 'Staff recorded the deadline as met (the filing was made).',
  'deadline.reminder':
    "A reminder came due at one of the endpoint's remindBefore offsets before the deadline expires (`data.reminder`).",
  'webhook.test': 'Sent by POST /v1/webhook-endpoints/{id}/test.',
}

const header = (name: string, description: string) => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type: 'string' },
})

/** OpenAPI 3.1 `webhooks`: one POST per event type, as courtbell sends it (Standard Webhooks). */
export function webhookDocs() {
  return Object.fromEntries(
    WEBHOOK_EVENT_TYPES.map((type) => [
      type,
      {
        post: {
          summary: type,
          description: `${WHEN[type]} Signed as Standard Webhooks says: verify webhook-signature with the endpoint's secret before trusting the body; de-duplicate on webhook-id, which stays the same across retries.`,
          parameters: [
            header('webhook-id', 'The delivery id: the same on every retry and redelivery of this delivery'),
            header('webhook-timestamp', 'Unix seconds when this attempt was signed'),
            header(
              'webhook-signature',
              'v1,<base64 HMAC-SHA256 of "id.timestamp.body">; space-separated when two secrets are in use',
            ),
          ],
          requestBody: { required: true, content: { 'application/json': { schema: WebhookEvent } } },
          responses: {
            '2XX': { description: 'Received. Anything else (or no answer within the timeout) is retried.' },
            '410': { description: 'Gone: courtbell disables the endpoint' },
            '429': { description: 'Slow down: the retry waits at least Retry-After' },
          },
        },
      },
    ]),
  )
}
