import { type Static, Type } from '@sinclair/typebox'
import { LocalDateText } from '../court-calendar/calendar.schema.js'
import { named } from '../http/openapi.js'
import { Instant, Nullable, PageQuery, StringEnum } from '../http/schema.js'

export const DeadlineStatus = { open: 'open', met: 'met', cancelled: 'cancelled' } as const
export type DeadlineStatus = (typeof DeadlineStatus)[keyof typeof DeadlineStatus]

const EndOfDay = Type.String({
  pattern: '^([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d)?$',
  description: 'Local time (HH:mm or HH:mm:ss) at which the deadline expires on its due day',
})
const Title = Type.String({ minLength: 1, maxLength: 300 })
const Notes = Nullable(Type.String({ maxLength: 5000 }))

const Trigger = Type.Union([
  Type.Object({ date: LocalDateText }, { additionalProperties: false }),
  Type.Object(
    {
      hearingId: Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          'A hearing of the same case: the local date of its decision once decided, of its start before; the deadline is recomputed when it moves or is decided',
      }),
    },
    { additionalProperties: false },
  ),
])

export const DeadlineGiven = Type.Object(
  {
    title: Title,
    dueOn: LocalDateText,
    endOfDay: Type.Optional(EndOfDay),
    notes: Type.Optional(Notes),
  },
  { additionalProperties: false },
)
export const DeadlineComputed = Type.Object(
  {
    ruleId: Type.String({ minLength: 1, maxLength: 100 }),
    trigger: Trigger,
    title: Type.Optional(Title),
    notes: Type.Optional(Notes),
  },
  { additionalProperties: false },
)
export const DeadlineCreate = Type.Union([DeadlineGiven, DeadlineComputed], {
  description:
    'Given ({ title, dueOn, endOfDay?, notes? }) or computed from a rule ({ ruleId, trigger, title?, notes? })',
})
export type DeadlineGiven = Static<typeof DeadlineGiven>
export type DeadlineComputed = Static<typeof DeadlineComputed>
export type DeadlineCreate = DeadlineGiven | DeadlineComputed

export const DeadlinePatch = Type.Object(
  {
    title: Type.Optional(Title),
    notes: Type.Optional(Notes),
    dueOn: Type.Optional({ ...LocalDateText, description: 'Given deadlines only (409 on a computed one)' }),
    endOfDay: Type.Optional(EndOfDay),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type DeadlinePatch = Static<typeof DeadlinePatch>

export const DeadlineMet = Type.Object(
  { note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))) },
  { additionalProperties: false },
)
export const DeadlineCancel = Type.Object(
  { reason: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))) },
  { additionalProperties: false },
)

export const Computation = Type.Object(
  {
    from: Type.String({ description: 'The trigger date the period is counted from (not counted itself)' }),
    period: Type.String(),
    counting: StringEnum(['calendar-days', 'court-days']),
    direction: StringEnum(['after', 'before']),
    jurisdiction: Type.String({ description: "Whose court calendar the days were counted on (the case's)" }),
    lastDayCounted: Type.String({ description: 'The last day of the period, before rolling' }),
    rolledTo: Nullable(Type.String({ description: 'The court day it rolled to, if it rolled' })),
    skipped: Type.Array(Type.Object({ date: Type.String(), reason: Type.String() }), {
      description: 'The dates not counted or rolled over, each with why',
    }),
  },
  { description: 'How the due day was computed, so a lawyer can check the sum' },
)
export type Computation = Static<typeof Computation>

export const Deadline = Type.Object({
  id: Type.String(),
  caseId: Type.String(),
  title: Type.String(),
  notes: Nullable(Type.String()),
  dueOn: Type.String({ description: 'The due day, local to the case' }),
  endOfDay: Type.String(),
  dueAtUtc: Instant,
  timeZone: Type.String(),
  status: StringEnum(['open', 'met', 'cancelled']),
  ruleId: Nullable(Type.String()),
  trigger: Nullable(
    Type.Object(
      { date: Type.String(), hearingId: Nullable(Type.String()) },
      { description: 'null for a given deadline' },
    ),
  ),
  computation: Nullable(Computation),
  metNote: Nullable(Type.String()),
  cancelReason: Nullable(Type.String()),
  version: Type.Integer({ minimum: 1 }),
  createdAt: Instant,
  updatedAt: Instant,
})
named(Deadline, 'Deadline', 'A dated item on a case: given or computed from a rule, with its explanation')
export type Deadline = Static<typeof Deadline>

export const DeadlineListQuery = Type.Object(
  {
    caseId: Type.Optional(Type.String({ maxLength: 100 })),
    status: Type.Optional(StringEnum(['open', 'met', 'cancelled'])),
    from: Type.Optional(Instant),
    to: Type.Optional(Instant),
    ...PageQuery,
  },
  { additionalProperties: false },
)
