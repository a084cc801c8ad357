import { type Static, Type } from '@sinclair/typebox'
import { Instant, Nullable, PageQuery, StringEnum, TimeZoneName } from '../http/schema.js'

export const Visibility = { public: 'public', internal: 'internal' } as const
export type Visibility = (typeof Visibility)[keyof typeof Visibility]

export const Language = StringEnum(['en', 'ru', 'kk'], {
  description: 'The language of emails and pages: en, ru or kk',
})

const Tag = Type.String({ minLength: 1, maxLength: 64 })

export const CaseCreate = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 300 }),
    court: Type.String({ minLength: 1, maxLength: 300 }),
    timeZone: TimeZoneName,
    caseNumber: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    jurisdiction: Type.Optional(
      Nullable(Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' })),
    ),
    description: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
    tags: Type.Optional(Type.Array(Tag, { maxItems: 50, uniqueItems: true })),
    visibility: Type.Optional(StringEnum(['public', 'internal'])),
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
  language: Language,
  createdAt: Instant,
  updatedAt: Instant,
})
export type Case = Static<typeof Case>

export const CaseListQuery = Type.Object(
  { tag: Type.Optional(Tag), ...PageQuery },
  { additionalProperties: false },
)
