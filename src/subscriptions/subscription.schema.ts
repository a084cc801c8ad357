import { type Static, Type } from '@sinclair/typebox'
import { Language } from '../cases/case.schema.js'
import { named } from '../http/openapi.js'
import { Instant, Nullable, PageQuery, StringEnum, TimeZoneName } from '../http/schema.js'

export const SubscriptionStatus = {
  pending: 'pending',
  active: 'active',
  unsubscribed: 'unsubscribed',
} as const
export type SubscriptionStatus = (typeof SubscriptionStatus)[keyof typeof SubscriptionStatus]

export const RemindBefore = Type.Array(
  Type.String({ minLength: 2, maxLength: 40, description: 'ISO 8601 duration from PT1S to P366D' }),
  {
    maxItems: 10,
    description:
      'Moments before the hearing; day parts are calendar days in its zone. May be empty only with a digest (notices and digest only)',
  },
)

export const Digest = StringEnum(['none', 'daily', 'weekly'], {
  description:
    "A digest email of what is coming up: none (default), daily at DIGEST_HOUR in the subscriber's zone (the next 7 days), or weekly on Mondays (the next 14 days)",
})
export type Digest = Static<typeof Digest>

export const SubscriptionCreate = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    timeZone: Type.Optional(TimeZoneName),
    remindBefore: Type.Optional(RemindBefore),
    language: Type.Optional(Language),
    digest: Type.Optional(Digest),
  },
  { additionalProperties: false },
)
export type SubscriptionCreate = Static<typeof SubscriptionCreate>

export const Subscription = Type.Object({
  id: Type.String(),
  hearingId: Nullable(Type.String()),
  caseId: Nullable(Type.String()),
  email: Type.String(),
  name: Nullable(Type.String()),
  timeZone: Nullable(
    Type.String({ description: 'How times are shown to this person; null: the hearing zone' }),
  ),
  remindBefore: Type.Array(Type.String()),
  status: StringEnum(['pending', 'active', 'unsubscribed']),
  language: Language,
  digest: Digest,
  createdAt: Instant,
  updatedAt: Instant,
})
named(Subscription, 'Subscription', 'An email address following a hearing or a whole case')
/** As stored: also who asked for it (the footer of every email says so); not part of the API's answer. */
export type Subscription = Static<typeof Subscription> & { subscribedBy?: 'staff' | 'self' }

/** A subscription as the API shows it: the record, and the link to its private calendar feed. */
export const SubscriptionView = Type.Object({
  ...Subscription.properties,
  feedUrl: Type.String({ description: 'Its private iCalendar feed (…/calendar/<token>.ics); no key needed' }),
})
named(
  SubscriptionView,
  'Subscription',
  'An email address following a hearing or a whole case, with the link to its private calendar feed',
)

export const SubscriptionListQuery = Type.Object(
  {
    hearingId: Type.Optional(Type.String({ maxLength: 100 })),
    caseId: Type.Optional(Type.String({ maxLength: 100 })),
    email: Type.Optional(Type.String({ maxLength: 254 })),
    ...PageQuery,
  },
  { additionalProperties: false },
)
