import { type Static, Type } from '@sinclair/typebox'
import { JURISDICTION_PATTERN } from '../court-calendar/holidays.js'
import { named } from '../http/openapi.js'
import { Instant, Nullable, PageQuery, StringEnum, TimeZoneName } from '../http/schema.js'

export const Visibility = { public: 'public', internal: 'internal' } as const
export type Visibility = (typeof Visibility)[keyof typeof Visibility]

export const Language = StringEnum(['en', 'ru', 'kk'], {
  description: 'The language of emails and pages: en, ru or kk',
})

const Tag = Type.String({ minLength: 1, maxLength: 64 })
const DeadlineRuleIds = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
  maxItems: 20,
  uniqueItems: true,
  description:
    "Deadline rules of the case's jurisdiction (or its country's): when a hearing of the case is decided, one deadline per rule is created with that hearing as its trigger",
})

export const CaseCreate = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 300 }),
    court: Type.String({ minLength: 1, maxLength: 300 }),
    timeZone: TimeZoneName,
    caseNumber: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    jurisdiction: Type.Optional(
      Nullable(
        Type.String({
          pattern: JURISDICTION_PATTERN,
          description:
            'ISO 3166-1 alpha-2 (KZ) or ISO 3166-2 (US-NY): whose court calendar counts its deadlines',
        }),
      ),
    ),
    description: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
    tags: Type.Optional(Type.Array(Tag, { maxItems: 50, uniqueItems: true })),
    visibility: Type.Optional(StringEnum(['public', 'internal'])),
    deadlineRules: Type.Optional(DeadlineRuleIds),
    language: Type.Optional(Language),
  },
  { additionalProperties: false },
)
export type CaseCreate = Static<typeof CaseCreate>

export const CasePatch = Type.Partial(CaseCreate, { additionalProperties: false, minProperties: 1 })
export type CasePatch = Static<typeof CasePatch>

export const Case = Type.Object({
  id: Type.String(),
  title: Type.String(),
  court: Type.String(),
  timeZone: Type.String(),
  caseNumber: Nullable(Type.String()),
  jurisdiction: Nullable(Type.String()),
  description: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
  visibility: StringEnum(['public', 'internal']),
  deadlineRules: Type.Array(Type.String()),
  language: Language,
  createdAt: Instant,
  updatedAt: Instant,
})
named(Case, 'Case', 'A case: the matter before a court that hearings belong to')
export type Case = Static<typeof Case>

export const CaseListQuery = Type.Object(
  { tag: Type.Optional(Tag), ...PageQuery },
  { additionalProperties: false },
)
