import { type Static, Type } from '@sinclair/typebox'
import { named } from '../http/openapi.js'
import { Instant, Nullable, PageQuery, StringEnum, TimeZoneName } from '../http/schema.js'

export const HearingStatus = { scheduled: 'scheduled', cancelled: 'cancelled', decided: 'decided' } as const
export type HearingStatus = (typeof HearingStatus)[keyof typeof HearingStatus]

const LocalStartsAt = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2})?)?$',
  description:
    'Local time without offset, e.g. 2026-12-14T10:00 (seconds optional), or a date alone (2026-12-14) when the time is not announced',
})

export const DEFAULT_HEARING_DURATION = 'PT1H'
const HearingDuration = Type.String({
  pattern: '^PT(?=\\d)(\\d+H)?(\\d+M)?(\\d+S)?$',
  maxLength: 20,
  description:
    'How long the hearing is expected to last: an ISO 8601 duration from PT5M to PT12H (default PT1H)',
})

export const HearingCreate = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 300 }),
    startsAt: LocalStartsAt,
    timeZone: Type.Optional(TimeZoneName),
    duration: Type.Optional(HearingDuration),
    location: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    notes: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
  },
  { additionalProperties: false },
)
export type HearingCreate = Static<typeof HearingCreate>

export const HearingPatch = Type.Partial(HearingCreate, { additionalProperties: false, minProperties: 1 })
export type HearingPatch = Static<typeof HearingPatch>

export const HearingCancel = Type.Object(
  { reason: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))) },
  { additionalProperties: false },
)
export const HearingOutcome = Type.Object(
  { summary: Type.String({ minLength: 1, maxLength: 5000 }), decidedAt: Type.Optional(Instant) },
  { additionalProperties: false },
)

export const Outcome = Type.Object({ summary: Type.String(), decidedAt: Instant })

export const Hearing = Type.Object({
  id: Type.String(),
  caseId: Type.String(),
  title: Type.String(),
  startsAt: Type.String({ description: 'Local wall time in timeZone, as given' }),
  allDay: Type.Boolean(),
  timeZone: Type.String(),
  startsAtUtc: Instant,
  // Hearings stored before durations existed read as the default.
  duration: Type.String({ default: DEFAULT_HEARING_DURATION, description: 'ISO 8601, PT5M..PT12H' }),
  location: Nullable(Type.String()),
  notes: Nullable(Type.String()),
  status: StringEnum(['scheduled', 'cancelled', 'decided']),
  outcome: Nullable(Outcome),
  cancelReason: Nullable(Type.String()),
  version: Type.Integer({ minimum: 1 }),
  createdAt: Instant,
  updatedAt: Instant,
})
named(Hearing, 'Hearing', 'A hearing: a moment in court, in local time and zone, with its status')
export type Hearing = Static<typeof Hearing>

export const HearingListQuery = Type.Object(
  {
    from: Type.Optional(Instant),
    to: Type.Optional(Instant),
    caseId: Type.Optional(Type.String({ maxLength: 100 })),
    status: Type.Optional(StringEnum(['scheduled', 'cancelled', 'decided'])),
    ...PageQuery,
  },
  { additionalProperties: false },
)
