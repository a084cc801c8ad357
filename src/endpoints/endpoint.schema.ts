import { type Static, Type } from '@sinclair/typebox'
import { WEBHOOK_EVENT_TYPES } from '../events/event.js'
import { named } from '../http/openapi.js'
import { Instant, Nullable, StringEnum } from '../http/schema.js'
import { RemindBefore } from '../subscriptions/subscription.schema.js'

const EventTypeSchema = StringEnum(WEBHOOK_EVENT_TYPES)

const writable = {
  url: Type.String({
    minLength: 8,
    maxLength: 2000,
    description: 'https in production; private addresses refused',
  }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  eventTypes: Type.Optional(
    Type.Array(EventTypeSchema, { minItems: 1, uniqueItems: true, description: 'Default: every type' }),
  ),
  caseIds: Type.Optional(
    Nullable(
      Type.Array(Type.String({ maxLength: 100 }), {
        maxItems: 1000,
        uniqueItems: true,
        description: 'null: every case the key may see',
      }),
    ),
  ),
  remindBefore: Type.Optional(RemindBefore),
  contactEmail: Type.Optional(
    Nullable(
      Type.String({
        format: 'email',
        maxLength: 320,
        description: 'Warned after a day of failures, told when the endpoint is disabled',
      }),
    ),
  ),
}

export const EndpointCreate = Type.Object(writable, { additionalProperties: false })
export type EndpointCreate = Static<typeof EndpointCreate>

export const EndpointPatch = Type.Object(
  { ...writable, url: Type.Optional(writable.url), enabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
)
export type EndpointPatch = Static<typeof EndpointPatch>

export const Endpoint = Type.Object({
  id: Type.String(),
  url: Type.String(),
  description: Nullable(Type.String()),
  eventTypes: Type.Array(Type.String()),
  caseIds: Nullable(Type.Array(Type.String())),
  remindBefore: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  contactEmail: Nullable(Type.String()),
  disabledReason: Nullable(Type.String({ description: 'Why it was disabled; null while enabled' })),
  disabledAt: Nullable(Instant),
  createdAt: Instant,
  updatedAt: Instant,
})
named(Endpoint, 'WebhookEndpoint', 'A URL of a partner (an NGO) that receives signed webhooks')
export type Endpoint = Static<typeof Endpoint>
export const EndpointCreated = Type.Object({
  ...Endpoint.properties,
  secret: Type.String({ description: 'Shown only here' }),
})
named(EndpointCreated, 'WebhookEndpointCreated', 'A new webhook endpoint, with its secret (shown only here)')
export const SecretView = Type.Object({ secret: Type.String() })
named(SecretView, 'WebhookSecret', 'The new signing secret, shown only here')

export type SigningSecret = { secret: string; expiresAt: string | null }
/**
 * failingSince: the first failed attempt after the last success (or creation, or re-enabling); warnedAt: when
 * the contact was warned in this run of failures. Records from before these fields read them as absent.
 */
export type EndpointRecord = Endpoint & {
  ownerKeyId: string
  ownerScope: string
  secrets: SigningSecret[]
  failingSince?: string | null
  warnedAt?: string | null
}
