import { type Static, Type } from '@sinclair/typebox'
import { named } from '../http/openapi.js'
import { Instant, Nullable, PageQuery, StringEnum } from '../http/schema.js'

export const DeliveryStatus = {
  pending: 'pending',
  retrying: 'retrying',
  succeeded: 'succeeded',
  failed: 'failed',
  missed: 'missed',
} as const
export type DeliveryStatus = (typeof DeliveryStatus)[keyof typeof DeliveryStatus]
const StatusSchema = StringEnum(Object.values(DeliveryStatus))

export const Attempt = Type.Object({
  at: Instant,
  durationMs: Type.Integer(),
  statusCode: Type.Optional(Type.Integer()),
  error: Type.Optional(Type.String()),
})
named(Attempt, 'DeliveryAttempt', 'One try at delivering')
export type Attempt = Static<typeof Attempt>

export const Delivery = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  channel: StringEnum(['email', 'webhook']),
  target: Type.String({ description: 'Email address or endpoint URL' }),
  hearingId: Nullable(Type.String()),
  endpointId: Nullable(Type.String()),
  subscriptionId: Nullable(Type.String()),
  status: StatusSchema,
  attempts: Type.Array(Attempt),
  nextAttemptAt: Nullable(Instant),
  createdAt: Instant,
  updatedAt: Instant,
})
named(Delivery, 'Delivery', 'One event on its way to one recipient, with every attempt')
/** jobId: the BullMQ job that carries the delivery now (internal; a redelivery gets a new one). */
export type Delivery = Static<typeof Delivery> & { jobId?: string }

export const DeliveryListQuery = Type.Object(
  {
    status: Type.Optional(StatusSchema),
    channel: Type.Optional(StringEnum(['email', 'webhook'])),
    endpointId: Type.Optional(Type.String({ maxLength: 100 })),
    hearingId: Type.Optional(Type.String({ maxLength: 100 })),
    ...PageQuery,
  },
  { additionalProperties: false },
)

/** A delivery that no attempt will change any more. */
export const isFinished = (d: Delivery) =>
  d.status === 'succeeded' || d.status === 'failed' || d.status === 'missed'
